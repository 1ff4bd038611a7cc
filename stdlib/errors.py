"""Deterministic runtime errors raised by the MTPScript value library.

A :class:`MtpRuntimeError` stops the request.  It carries a stable ``code`` (for
example ``"DecimalOverflow"``, ``"IntegerOverflow"``, ``"DivisionByZero"``,
``"IndexOutOfBounds"``, ``"InvalidJson"``, ``"InvalidUnicode"``) and a ``details``
dict of MTPScript-representable values (``str``, ``int``, ``bool``), and it renders as
canonical JSON ``{"error": code, ...details}`` with no stack trace.

Codes raised by this package:

=========================  ==========================================================
``DecimalOverflow``        Decimal ``add``/``sub``/``mul``/``neg``/``abs`` result whose
                           integer part needs more than 34 digits
``DecimalScaleOutOfRange`` ``Decimal.round(d, scale)`` with ``scale`` outside 0..28
``InvalidDecimal``         a ``decimal.Decimal`` operand that is not a finite value of
                           the MTPScript domain (a host/bridge bug, never guest data)
``IntegerOverflow``        an ``int`` outside the signed 64-bit range where a
                           ``number`` is required
``InvalidUnicode``         a string holding a lone surrogate code point where its
                           UTF-8 bytes are needed (hashing, CBOR, canonical JSON)
``InvalidJson``            :func:`mtpscript.stdlib.json_codec.jcs_canonicalize` on a
                           text that is not JSON (``Json.parse`` returns ``Err``)
=========================  ==========================================================

Python ``TypeError`` is reserved for host bugs that the type checker rules out
statically (a function used as a Map key, a non-MTPScript Python object passed as a
value); no other Python exception escapes a public function of this package.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MtpRuntimeError"]


class MtpRuntimeError(Exception):
    """A typed, deterministic runtime error: ``code`` plus canonical-JSON ``details``."""

    def __init__(self, code: str, details: dict[str, Any] | None = None) -> None:
        self.code = code
        self.details = dict(details or {})
        if "error" in self.details:
            raise ValueError("'error' is reserved for the code")
        super().__init__(code, self.details)

    def to_json(self) -> str:
        """The canonical JSON body ``{"error": code, ...details}`` (RFC 8785 order)."""
        return self.to_json_bytes().decode("utf-8")

    def to_json_bytes(self) -> bytes:
        from .json_codec import to_canonical_json
        from .values import Record

        return to_canonical_json(Record({"error": self.code, **self.details}))

    def __str__(self) -> str:
        try:
            return self.to_json()
        except Exception:  # pragma: no cover - details the writer cannot encode
            return f"{self.code} {self.details!r}"

    def __repr__(self) -> str:
        return f"MtpRuntimeError({self.code!r}, {self.details!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MtpRuntimeError):
            return NotImplemented
        return self.code == other.code and self.details == other.details

    __hash__ = Exception.__hash__
