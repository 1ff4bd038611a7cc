"""Hashing of MTPScript values and strings: FNV-1a 64, SHA-256 (``hashlib``) and the
structural hash (FNV-1a 64 over canonical CBOR), plus the Map key order of
LANGUAGE.md §6.

``Hash`` mirrors the §12 namespace:

* ``Hash.sha256(s)`` / ``Hash.fnv1a64(s)`` — lowercase hex digest of the UTF-8 bytes of
  ``s`` (64 / 16 hex digits);
* ``Hash.cbor(v)`` — lowercase hex of the canonical CBOR of ``v``
  (:func:`mtpscript.stdlib.cbor.encode`);
* ``Hash.of(v)`` — the structural hash: FNV-1a 64 of those CBOR bytes, 16 lowercase
  hex digits (zero-padded).

A string with a lone surrogate has no UTF-8 bytes: ``MtpRuntimeError("InvalidUnicode")``.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from . import cbor
from .errors import MtpRuntimeError
from .values import type_tag

__all__ = ["FNV64_OFFSET", "FNV64_PRIME", "fnv1a64", "sha256_bytes", "utf8", "map_sort_key", "Hash"]

FNV64_OFFSET = 0xCBF29CE484222325
FNV64_PRIME = 0x100000001B3
_MASK64 = (1 << 64) - 1


def fnv1a64(data: bytes) -> int:
    """FNV-1a 64-bit hash of ``data`` as an unsigned int."""
    h = FNV64_OFFSET
    for b in bytes(data):
        h = ((h ^ b) * FNV64_PRIME) & _MASK64
    return h


def sha256_bytes(data: bytes) -> str:
    """Lowercase hex SHA-256 of raw bytes."""
    return hashlib.sha256(bytes(data)).hexdigest()


def utf8(s: str) -> bytes:
    if type(s) is not str:
        raise TypeError(f"expected a string, not {type(s).__name__}")
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        raise MtpRuntimeError("InvalidUnicode", {"reason": "string contains a lone surrogate"}) from None


def map_sort_key(key: Any) -> tuple[int, int, bytes]:
    """(type tag, FNV-1a 64 of canonical CBOR, canonical CBOR) — the §6 Map key order."""
    if type(key) is str:
        return _str_sort_key(key)
    tag = type_tag(key)
    b = cbor.encode(key)
    return (tag, fnv1a64(b), b)


@functools.lru_cache(maxsize=8192)
def _str_sort_key(key: str) -> tuple[int, int, bytes]:
    # object keys repeat a lot (JSON field names); the key is a plain str, so caching is exact
    b = cbor.encode(key)
    return (4, fnv1a64(b), b)


class Hash:
    """The §12 ``Hash`` namespace."""

    @staticmethod
    def sha256(s: str) -> str:
        return sha256_bytes(utf8(s))

    @staticmethod
    def fnv1a64(s: str) -> str:
        return format(fnv1a64(utf8(s)), "016x")

    @staticmethod
    def cbor(value: Any) -> str:
        return cbor.encode(value).hex()

    @staticmethod
    def of(value: Any) -> str:
        return format(fnv1a64(cbor.encode(value)), "016x")
