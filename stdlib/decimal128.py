"""MTPScript ``Decimal``: IEEE 754-2008 decimal128 arithmetic (Python ``decimal`` /
libmpdec) restricted to the MTPScript domain.

Domain
    A Decimal is a finite number ``(-1)^sign * coefficient * 10^-scale`` with a
    coefficient of at most 34 significant digits and a scale of 0..28.  Values are
    compared by value (``1.50 == 1.5``); the representation the library produces is the
    *canonical plain form*: exponent ``-scale <= 0``, no trailing fractional zeros, no
    negative zero.  Every domain value is a finite decimal128 value (:data:`CONTEXT`).

Rounding: once, half-even, to the largest scale the domain allows
    ``add``, ``sub``, ``mul`` and ``div`` compute the exact result (sums and products of
    domain values have at most 68 digits and are exact in the 100-digit working context;
    quotients are computed to 100 digits with ``ROUND_05UP`` — round-for-reround — which
    keeps one correct rounding for any final precision below 100 digits).  That result
    is then rounded **once**, half-even, to the scale ``min(28, 34 - k)`` where ``k`` is
    the number of digits of its integer part (``0`` when ``|r| < 1``), i.e. to 28
    fractional digits unless that would exceed 34 significant digits.  A rounding carry
    (``999.95`` -> ``1000.0``) never needs a second rounding.  Results too small for
    28 fractional digits round to zero (no error).  This equals the IEEE decimal128
    result (precision 34, half-even) whenever that result lies in the domain — the
    ``dq*.decTest`` vectors check it.

Overflow and errors
    A result whose integer part needs more than 34 digits (``|r| >= 10^34`` after
    rounding) is an overflow.  The §12 signatures decide how it is reported:

    * ``add``, ``sub``, ``mul`` (and ``neg``/``abs``, which cannot overflow) return a
      ``Decimal``; overflow stops the request with
      ``MtpRuntimeError("DecimalOverflow", {"operation": "add"|"sub"|"mul"})`` — the same
      kind of deterministic runtime error as ``number`` overflow.
    * ``div`` returns ``Result<Decimal, DecimalError>``: ``Err(DivisionByZero)`` when the
      divisor is zero (``0 / 0`` included) and ``Err(Overflow)`` when the quotient is out
      of range; it never raises for domain operands.
    * ``from_string`` returns ``Result``: ``Err(InvalidDecimal(s))`` for text that is not
      a finite decimal numeric string, or whose value is not exactly representable
      (more than 28 fractional digits or more than 34 significant digits after dropping
      trailing zeros; ``fromString`` never rounds); ``Err(Overflow)`` when the integer
      part needs more than 34 digits.  ``s`` is the input, cut to its first 64 code
      points.  Accepted syntax (the finite numeric strings of the General Decimal
      Arithmetic specification, ASCII only, no spaces, no ``_``):
      ``[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`` — e.g. ``12.50``,
      ``-0.5``, ``1e3``, ``2.5E-3``, ``.5``, ``5.``.  NaN/Infinity are rejected.
    * ``round(d, scale)``: ``scale`` outside 0..28 ->
      ``MtpRuntimeError("DecimalScaleOutOfRange")``; rounding never overflows.
    * ``from_number(n)``: ``n`` must be an int64 (``IntegerOverflow`` otherwise).

    The ``DecimalError`` union is ``DivisionByZero | Overflow | InvalidDecimal(string)``
    (``Variant("DecimalError", ...)``).  Operands that are ``decimal.Decimal`` but not
    finite domain values (only a host bug can produce them) raise
    ``MtpRuntimeError("InvalidDecimal")``; a non-Decimal operand raises ``TypeError``.

Comparison
    ``compare(a, b)`` normalises both operands to the larger of their two scales, writes
    the signed coefficients as fixed-width (64-digit, offset-binary) digit strings and
    scans every digit position without an early exit, so the work does not depend on
    where the values differ.
"""

from __future__ import annotations

import builtins
import re
from decimal import ROUND_05UP, ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation
from typing import Any

from .errors import MtpRuntimeError
from .values import Variant, check_int64, err, ok

__all__ = [
    "CONTEXT", "MAX_DIGITS", "MAX_SCALE", "ZERO",
    "DIVISION_BY_ZERO", "OVERFLOW", "invalid_decimal",
    "in_domain", "canonical", "parts",
    "from_string", "from_number", "to_string",
    "add", "sub", "mul", "div", "round", "compare", "neg", "abs", "max", "min",
]

MAX_DIGITS = 34
MAX_SCALE = 28

#: The IEEE 754-2008 decimal128 context (traps off: conditions are read from flags).
CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=6144, Emin=-6143, clamp=1, traps=[], flags=[])

# Working context: decimal128's exponent range with 100 digits, round-for-reround.
_WORK = Context(prec=100, rounding=ROUND_05UP, Emax=6144, Emin=-6143, clamp=0, traps=[], flags=[])

ZERO = Decimal(0)
_QUANTUM = [Decimal((0, (1,), -s)) for s in range(MAX_SCALE + 1)]

DIVISION_BY_ZERO = Variant("DecimalError", "DivisionByZero", ())
OVERFLOW = Variant("DecimalError", "Overflow", ())


def invalid_decimal(text: str) -> Variant:
    return Variant("DecimalError", "InvalidDecimal", (text[:64],))


class _Overflow(Exception):
    pass


# -- representation ----------------------------------------------------------------------

def _parts_or_none(d: Decimal) -> tuple[int, int, int] | None:
    """(sign, coefficient, scale) of the canonical form, or None if not a domain value."""
    if not d.is_finite():
        return None
    sign, digits, exp = d.as_tuple()
    n = len(digits)
    if n == 1 and digits[0] == 0:
        return (0, 0, 0)
    if exp < 0:
        tz = 0
        while tz < -exp and digits[n - 1 - tz] == 0:
            tz += 1
        n -= tz
        exp += tz
        if -exp > MAX_SCALE or n > MAX_DIGITS:
            return None
        coef = int("".join(map(str, digits[:n])))
        return (sign, coef, -exp)
    if n + exp > MAX_DIGITS:
        return None
    return (sign, int("".join(map(str, digits))) * 10 ** exp, 0)


def parts(d: Decimal) -> tuple[int, int, int]:
    """(sign, coefficient, scale) of the canonical form of a domain Decimal."""
    if type(d) is not Decimal:
        raise TypeError(f"expected a Decimal, not {type(d).__name__}")
    p = _parts_or_none(d)
    if p is None:
        raise MtpRuntimeError("InvalidDecimal", {"reason": "operand outside the Decimal domain"})
    return p


def _make(sign: int, coef: int, scale: int) -> Decimal:
    """Canonical Decimal from exact parts with scale <= 28 (trailing zeros dropped)."""
    if coef == 0:
        return ZERO
    while scale and coef % 10 == 0:
        coef //= 10
        scale -= 1
    return Decimal((sign, tuple(map(int, str(coef))), -scale))


def in_domain(d: Any) -> bool:
    """True when ``d`` is a ``decimal.Decimal`` whose value lies in the MTPScript domain."""
    return type(d) is Decimal and _parts_or_none(d) is not None


def canonical(d: Decimal) -> Decimal:
    """The canonical plain representation of a domain value (``1.50`` -> ``1.5``)."""
    return _make(*parts(d))


def _into_domain(r: Decimal) -> Decimal:
    """Round an exact (or round-for-reround) finite result once into the domain."""
    if r.is_zero():
        return ZERO
    adj = r.adjusted()
    intdigits = adj + 1 if adj >= 0 else 0
    if intdigits > MAX_DIGITS:
        raise _Overflow
    scale = builtins.min(MAX_SCALE, MAX_DIGITS - intdigits)
    if r.as_tuple().exponent < -scale:
        r = r.quantize(_QUANTUM[scale], rounding=ROUND_HALF_EVEN, context=_WORK)
    p = _parts_or_none(r)
    if p is None:  # the rounding carried into a 35th integer digit
        raise _Overflow
    return _make(*p)


# -- conversions ---------------------------------------------------------------------------

_NUMERIC = re.compile(r"([+-]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?", re.ASCII)
_EXP_CAP = 10 ** 18


def exact_from_digits(negative: bool, int_digits: str, frac_digits: str, exponent: str | None) -> Decimal | str:
    """The domain value of ``[-]int.frac e exponent`` (ASCII digit strings), exactly.

    Returns the canonical Decimal, or ``"overflow"`` (integer part > 34 digits) or
    ``"inexact"`` (needs > 28 fractional or > 34 significant digits).  Never builds huge
    integers: digit strings are trimmed as text first.
    """
    digits = (int_digits + frac_digits).lstrip("0")
    if not digits:
        return ZERO
    if exponent is None:
        exp = 0
    else:
        es = exponent.lstrip("+-").lstrip("0")
        exp = 0 if not es else int(es) if len(es) <= 18 else _EXP_CAP
        if exponent.startswith("-"):
            exp = -exp
    exp -= len(frac_digits)
    stripped = digits.rstrip("0")
    exp += len(digits) - len(stripped)
    digits = stripped
    adjusted = exp + len(digits) - 1
    if adjusted >= MAX_DIGITS:
        return "overflow"
    if exp < -MAX_SCALE or len(digits) > MAX_DIGITS:
        return "inexact"
    sign = 1 if negative else 0
    if exp >= 0:
        return Decimal((sign, tuple(map(int, digits + "0" * exp)), 0))
    return Decimal((sign, tuple(map(int, digits)), exp))


def from_string(s: str) -> Variant:
    """``Decimal.fromString``: ``Ok(Decimal)`` or ``Err(DecimalError)`` (never rounds)."""
    if type(s) is not str:
        raise TypeError(f"expected a string, not {type(s).__name__}")
    m = _NUMERIC.fullmatch(s)
    if m is None:
        return err(invalid_decimal(s))
    sign, ip, fp, only_frac, e = m.groups()
    if only_frac is not None:
        ip, fp = "", only_frac
    r = exact_from_digits(sign == "-", ip, fp or "", e)
    if r == "overflow":
        return err(OVERFLOW)
    if r == "inexact":
        return err(invalid_decimal(s))
    return ok(r)


def from_number(n: int) -> Decimal:
    """``Decimal.fromNumber``: the exact Decimal of an int64."""
    return Decimal(check_int64(n))


def to_string(d: Decimal) -> str:
    """Shortest canonical plain form: no exponent, no trailing zeros, no ``-0``."""
    sign, coef, scale = parts(d)
    s = str(coef)
    if scale:
        s = s.rjust(scale + 1, "0")
        s = s[:-scale] + "." + s[-scale:]
    return "-" + s if sign and coef else s


# -- arithmetic ----------------------------------------------------------------------------

def _operand(d: Decimal) -> Decimal:
    return _make(*parts(d))


def _arith(op: str, a: Decimal, b: Decimal) -> Decimal:
    x, y = _operand(a), _operand(b)
    ctx = _WORK.copy()
    if op == "add":
        r = ctx.add(x, y)
    elif op == "sub":
        r = ctx.subtract(x, y)
    else:
        r = ctx.multiply(x, y)
    try:
        return _into_domain(r)
    except _Overflow:
        raise MtpRuntimeError("DecimalOverflow", {"operation": op}) from None


def add(a: Decimal, b: Decimal) -> Decimal:
    return _arith("add", a, b)


def sub(a: Decimal, b: Decimal) -> Decimal:
    return _arith("sub", a, b)


def mul(a: Decimal, b: Decimal) -> Decimal:
    return _arith("mul", a, b)


def div(a: Decimal, b: Decimal) -> Variant:
    """``Decimal.div``: ``Ok(quotient)``, ``Err(DivisionByZero)`` or ``Err(Overflow)``."""
    x, y = _operand(a), _operand(b)
    ctx = _WORK.copy()
    q = ctx.divide(x, y)
    if ctx.flags[DivisionByZero] or ctx.flags[InvalidOperation] or not q.is_finite():
        return err(DIVISION_BY_ZERO)
    try:
        return ok(_into_domain(q))
    except _Overflow:
        return err(OVERFLOW)


def round(d: Decimal, scale: int) -> Decimal:  # noqa: A001 - the §12 name
    """``Decimal.round(d, scale)``: half-even to ``scale`` (0..28) fractional digits."""
    check_int64(scale, "scale")
    if not 0 <= scale <= MAX_SCALE:
        raise MtpRuntimeError("DecimalScaleOutOfRange", {"scale": scale})
    x = _operand(d)
    if -x.as_tuple().exponent <= scale:
        return x
    r = x.quantize(_QUANTUM[scale], rounding=ROUND_HALF_EVEN, context=_WORK)
    return _make(*parts(r))


def neg(d: Decimal) -> Decimal:
    """Unary minus (never ``-0``)."""
    sign, coef, scale = parts(d)
    return _make(1 - sign if coef else 0, coef, scale)


def abs(d: Decimal) -> Decimal:  # noqa: A001
    sign, coef, scale = parts(d)
    return _make(0, coef, scale)


def _fixed(sign: int, coef: int, shift: int) -> bytes:
    # value * 10^scale as offset binary: 10^63 + signed coefficient, 64 digits wide
    c = coef * 10 ** shift
    return str(10 ** 63 + (-c if sign else c)).zfill(64).encode("ascii")


def compare(a: Decimal, b: Decimal) -> int:
    """``Decimal.compare``: -1, 0 or 1, with work independent of where the values differ."""
    sa, ca, ka = parts(a)
    sb, cb, kb = parts(b)
    k = builtins.max(ka, kb)
    xa, xb = _fixed(sa, ca, k - ka), _fixed(sb, cb, k - kb)
    res = 0
    for p, q in zip(xa, xb):
        d = (p > q) - (p < q)
        res += d * (res == 0)
    return res


def max(a: Decimal, b: Decimal) -> Decimal:  # noqa: A001
    return canonical(b) if compare(a, b) < 0 else canonical(a)


def min(a: Decimal, b: Decimal) -> Decimal:  # noqa: A001
    return canonical(b) if compare(a, b) > 0 else canonical(a)
