"""Canonical CBOR (RFC 7049 §3.9 / RFC 8949 §4.2.3 "length-first" deterministic
encoding) of MTPScript data values: the input of structural hashing (``Hash.cbor``,
``Hash.of``) and of the Map key order.

Encoding of each value kind (all heads are the shortest form; definite lengths only):

=====================  ====================================================================
value                  CBOR
=====================  ====================================================================
``number`` (int64)     major type 0 / 1 integer
``boolean``            simple values ``true`` (0xf5) / ``false`` (0xf4)
``string``             major type 3 text string of the UTF-8 bytes
``Unit``               ``null`` (0xf6)
``Decimal``            tag 4 ``[exponent, mantissa]`` (RFC 8949 §3.4.4 decimal fraction)
                       of the canonical plain form: ``exponent = -scale`` with
                       ``0 <= scale <= 28`` and no trailing fractional zeros, so
                       ``exponent <= 0`` (``100`` -> ``4([0, 100])``, ``1.50`` ->
                       ``4([-1, 15])``, ``0`` -> ``4([0, 0])``); a mantissa beyond 64
                       bits is a tag 2/3 bignum
``List<T>``            array of the elements, in order
record                 map with text-string keys (the field names)
union value            array ``[name, field1, ..., fieldN]`` (positional; the union name
                       and field names are not encoded: a ``Map``'s keys all have one type)
``Map<K, V>``          map of the entries
=====================  ====================================================================

Map entries (records and Maps) are sorted length-first then bytewise on the encoded keys
(RFC 7049 §3.9), which is what ``cbor2`` does with ``canonical=True``.  Scalars and tags
are encoded by ``cbor2`` (``canonical=True``); array and map heads and the entry order
are produced here with an explicit work stack, so values nested arbitrarily deep never
recurse and the work stays linear in the size of the value.  The result is
identical to ``cbor2.dumps(native, canonical=True)`` of the corresponding native
structure (a property test checks it).

Errors: a string with a lone surrogate -> ``MtpRuntimeError("InvalidUnicode")``; an int
outside int64 -> ``MtpRuntimeError("IntegerOverflow")``; a Decimal outside the domain ->
``MtpRuntimeError("InvalidDecimal")``; a function or a non-MTPScript object ->
``TypeError``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import cbor2

from .errors import MtpRuntimeError
from .values import INT64_MAX, INT64_MIN, MtpMap, Record, Variant

__all__ = ["encode", "head"]


def head(major: int, n: int) -> bytes:
    """The shortest CBOR head for major type ``major`` and argument ``n``."""
    mt = major << 5
    if n < 24:
        return bytes((mt | n,))
    if n < 0x100:
        return bytes((mt | 24, n))
    if n < 0x10000:
        return bytes((mt | 25,)) + n.to_bytes(2, "big")
    if n < 0x100000000:
        return bytes((mt | 26,)) + n.to_bytes(4, "big")
    return bytes((mt | 27,)) + n.to_bytes(8, "big")


_TRUE, _FALSE, _NULL = b"\xf5", b"\xf4", b"\xf6"


def _text(s: str) -> bytes:
    try:
        return cbor2.dumps(s, canonical=True)
    except UnicodeEncodeError:
        raise MtpRuntimeError("InvalidUnicode", {"reason": "string contains a lone surrogate"}) from None


def _decimal(d: Decimal) -> bytes:
    from .decimal128 import parts
    sign, coef, scale = parts(d)
    return cbor2.dumps(cbor2.CBORTag(4, [-scale, -coef if sign else coef]), canonical=True)


def _int(n: int) -> bytes:
    if not INT64_MIN <= n <= INT64_MAX:
        raise MtpRuntimeError("IntegerOverflow", {"reason": "number outside the 64-bit range"})
    return cbor2.dumps(n, canonical=True)


class _Raw:
    """Already-encoded bytes waiting on the work stack."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def _sorted_entries(pairs) -> list[tuple[bytes, Any]]:
    """Map entries as (encoded key, value), in RFC 7049 §3.9 order (length, then bytes)."""
    return sorted(pairs, key=lambda kv: (len(kv[0]), kv[0]))


def encode(value: Any) -> bytes:
    """Canonical CBOR bytes of an MTPScript data value.

    Output is produced front to back: an array's head is known before its elements, and
    a map's keys are encoded first (to sort them) and its values streamed after, so the
    work is linear in the size of the value and nothing recurses.
    """
    out: list[bytes] = []
    emit = out.append
    stack: list[Any] = [value]
    push, pop = stack.append, stack.pop
    while stack:
        v = pop()
        t = type(v)
        if t is str:
            emit(_text(v))
        elif t is int:
            emit(_int(v))
        elif t is bool:
            emit(_TRUE if v else _FALSE)
        elif v is None:
            emit(_NULL)
        elif t is Decimal:
            emit(_decimal(v))
        elif t is _Raw:
            emit(v.data)
        elif t is tuple:
            emit(head(4, len(v)))
            for c in reversed(v):
                push(c)
        elif t is Variant:
            emit(head(4, 1 + len(v.fields)))
            for c in reversed(v.fields):
                push(c)
            push(v.name)
        elif t is Record or t is MtpMap:
            if t is Record:
                entries = _sorted_entries((_text(k), c) for k, c in v.items())
            else:  # the map already holds each key's canonical CBOR
                entries = _sorted_entries((e[0][2], e[2]) for e in v._ordered())
            emit(head(5, len(entries)))
            for k, c in reversed(entries):
                push(c)
                push(_Raw(k))
        elif callable(v):
            raise TypeError("functions have no CBOR encoding")
        else:
            raise TypeError(f"not an MTPScript data value: {t.__name__}")
    return b"".join(out)
