"""Unit and property tests of ``mtpscript.stdlib.decimal128``."""

from __future__ import annotations

import re
from decimal import Context, Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from mtpscript.stdlib import decimal128 as D
from mtpscript.stdlib.errors import MtpRuntimeError
from mtpscript.stdlib.values import Variant, err, ok

Dec = Decimal


def _ok(x):
    return ok(Dec(x))


# -- strategies -----------------------------------------------------------------------------

@st.composite
def domain_decimals(draw):
    scale = draw(st.integers(0, 28))
    ndigits = draw(st.integers(1, 34))
    coef = draw(st.one_of(
        st.integers(0, 10 ** ndigits - 1),
        st.sampled_from([0, 1, 5, 10 ** ndigits - 1, 5 * 10 ** (ndigits - 1)]),
    ))
    sign = draw(st.integers(0, 1))
    return Dec((sign, tuple(map(int, str(coef))), -scale))


def exact_into_domain(q: Fraction):
    """Oracle: round an exact rational once, half-even, into the domain; None = overflow."""
    if q == 0:
        return Fraction(0)
    whole = abs(q.numerator) // q.denominator
    k = len(str(whole)) if whole else 0
    if k > 34:
        return None
    s = min(28, 34 - k)
    n = round(q * 10 ** s)  # Fraction.__round__ rounds half to even
    r = Fraction(n, 10 ** s)
    if abs(r) >= 10 ** 34:
        return None
    return r


def is_canonical(d: Decimal) -> bool:
    sign, digits, exp = d.as_tuple()
    if d.is_zero():
        return (sign, exp) == (0, 0)
    return -28 <= exp <= 0 and len(digits) <= 34 and (exp == 0 or digits[-1] != 0)


# -- to_string / from_string --------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    ("0", "0"), ("-0", "0"), ("-0.000", "0"), ("0E+5", "0"), ("1.50", "1.5"), ("100", "100"),
    ("1E+2", "100"), ("-0.001", "-0.001"), ("12.500", "12.5"), ("1E-28", "0.0000000000000000000000000001"),
    ("9" * 34, "9" * 34), ("-1234.5678", "-1234.5678"),
])
def test_to_string_is_shortest_plain(value, text):
    assert D.to_string(Dec(value)) == text


@pytest.mark.parametrize("text, value", [
    ("12.50", "12.5"), ("-0.5", "-0.5"), ("+7", "7"), ("1e3", "1000"), ("2.5E-3", "0.0025"),
    (".5", "0.5"), ("5.", "5"), ("-0", "0"), ("0e999999999999999999999999", "0"), ("00012.3400", "12.34"),
    ("1" + "0" * 33, "1" + "0" * 33), ("1e33", "1" + "0" * 33),
    ("0." + "0" * 27 + "1", "1E-28"), ("1" * 34, "1" * 34), ("12345.6e-2", "123.456"),
    ("1." + "0" * 100, "1"),
])
def test_from_string_accepts(text, value):
    assert D.from_string(text) == _ok(value)


@pytest.mark.parametrize("text", [
    "", " 1", "1 ", "1_000", "NaN", "nan", "Infinity", "-Infinity", "inf", "sNaN", "1e", "1e+", "--1",
    "+-1", ".", "-.", "0x10", "١٢", "1,5", "1.2.3", "e5", "1e5.5", "１",
])
def test_from_string_rejects_syntax(text):
    assert D.from_string(text) == err(D.invalid_decimal(text))


@pytest.mark.parametrize("text, error", [
    ("1e34", D.OVERFLOW), ("9" * 35, D.OVERFLOW), ("-1" + "0" * 40, D.OVERFLOW),
    ("1e999999999999999999999999999", D.OVERFLOW),
    ("1e-29", D.invalid_decimal("1e-29")), ("0." + "0" * 28 + "1", D.invalid_decimal("0." + "0" * 28 + "1")),
    ("1" * 35 + ".5", D.OVERFLOW),
    ("1." + "1" * 34, D.invalid_decimal("1." + "1" * 34)),  # 35 significant digits: never rounded
    ("1e-99999999999999999999999", D.invalid_decimal("1e-99999999999999999999999")),
])
def test_from_string_out_of_domain(text, error):
    assert D.from_string(text) == err(error)


def test_invalid_decimal_payload_is_truncated():
    text = "x" * 1000
    assert D.from_string(text) == err(Variant("DecimalError", "InvalidDecimal", ("x" * 64,)))


def test_huge_inputs_do_not_hit_python_limits():
    assert D.from_string("1" * 100_000) == err(D.OVERFLOW)
    assert D.from_string("0." + "0" * 100_000 + "1").name == "Err"
    assert D.from_string("0" * 100_000 + "1.5") == _ok("1.5")


@given(domain_decimals())
def test_string_round_trip(d):
    s = D.to_string(d)
    assert re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?", s)
    assert s != "-0"
    r = D.from_string(s)
    assert r.name == "Ok" and r.fields[0] == d and is_canonical(r.fields[0])


def test_from_number():
    assert D.from_number(2 ** 63 - 1) == Dec(2 ** 63 - 1)
    assert D.from_number(-(2 ** 63)) == Dec(-(2 ** 63))
    with pytest.raises(MtpRuntimeError) as info:
        D.from_number(2 ** 63)
    assert info.value.code == "IntegerOverflow"
    with pytest.raises(TypeError):
        D.from_number(True)


# -- arithmetic ----------------------------------------------------------------------------

def test_basic_arithmetic():
    assert D.add(Dec("0.1"), Dec("0.2")) == Dec("0.3")
    assert D.sub(Dec("1.10"), Dec("1.1")) == Dec("0") and D.sub(Dec("1.10"), Dec("1.1")).as_tuple().sign == 0
    assert D.mul(Dec("-0"), Dec("5")).as_tuple() == Dec(0).as_tuple()
    assert D.mul(Dec("1.10"), Dec("3")) == Dec("3.3")
    assert D.div(Dec(1), Dec(3)) == _ok("0.3333333333333333333333333333")
    assert D.div(Dec(2), Dec(3)) == _ok("0.6666666666666666666666666667")
    assert D.div(Dec(10), Dec(4)) == _ok("2.5")


def test_half_even_ties():
    # 34 integer digits leave no room for a fraction: ties go to even
    big = Dec("1" * 33 + "2")
    assert D.add(big, Dec("0.5")) == big
    assert D.add(big + 1, Dec("0.5")) == big + 2
    assert D.round(Dec("2.5"), 0) == Dec(2) and D.round(Dec("3.5"), 0) == Dec(4)
    assert D.round(Dec("-2.5"), 0) == Dec(-2) and D.round(Dec("0.125"), 2) == Dec("0.12")
    assert D.round(Dec("0.135"), 2) == Dec("0.14") and D.round(Dec("1.2345"), 28) == Dec("1.2345")


def test_tiny_results_round_to_zero_without_error():
    assert D.mul(Dec("1e-20"), Dec("-1e-20")).as_tuple() == Dec(0).as_tuple()
    assert D.mul(Dec("1e-28"), Dec("0.5")) == Dec(0)      # a tie at the 29th place: to even (0)
    assert D.mul(Dec("3e-28"), Dec("0.5")) == Dec("2e-28")


def test_single_rounding_no_double_rounding():
    # exact quotient = K + 1/2 - 1/(2p) units of 1e-28; IEEE decimal128 rounds it to the
    # midpoint K + 1/2 at 34 digits, and rounding that again to 28 places would give K + 1.
    p, k = 1000003, 10 ** 27 + 1
    a = Dec((0, tuple(map(int, str(p * k + (p - 1) // 2))), -28))
    ieee_then_28 = D.CONTEXT.divide(a, Dec(p)).quantize(Dec("1e-28"))
    assert ieee_then_28 == Dec(k + 1).scaleb(-28)
    assert D.div(a, Dec(p)) == ok(Dec(k).scaleb(-28, D.CONTEXT))


def test_carry_into_a_new_integer_digit():
    # exact product 99999.99999999999999999999999999995 (35 digits): one rounding to 28
    # places, a tie after an odd digit, carries all the way to 100000
    assert D.mul(Dec("199999." + "9" * 28), Dec("0.5")) == Dec(100000)
    assert D.mul(Dec("199999." + "9" * 27 + "7"), Dec("0.5")) == Dec("99999." + "9" * 27 + "8")


def test_overflow_reporting():
    nines = Dec("9" * 34)
    for fn, args in [(D.add, (nines, Dec(1))), (D.sub, (Dec("-" + "9" * 34), Dec(1))), (D.mul, (nines, Dec(10))),
                     (D.add, (nines, Dec("0.5")))]:  # 0.5 rounds up (…9 is odd) into 10^34
        with pytest.raises(MtpRuntimeError) as info:
            fn(*args)
        assert info.value.code == "DecimalOverflow"
        assert info.value.to_json().startswith('{"error":"DecimalOverflow","operation":')
    assert D.add(nines, Dec("0.4")) == nines
    assert D.div(nines, Dec("0.1")) == err(D.OVERFLOW)
    assert D.div(Dec(1), Dec("1e-28")) == _ok("1e28")
    assert D.div(Dec(1), Dec(0)) == err(D.DIVISION_BY_ZERO)
    assert D.div(Dec(0), Dec("-0.00")) == err(D.DIVISION_BY_ZERO)
    assert D.div(Dec(0), Dec(7)) == _ok("0")


def test_round_scale_range():
    for bad in (-1, 29, 2 ** 40):
        with pytest.raises(MtpRuntimeError) as info:
            D.round(Dec(1), bad)
        assert info.value.code == "DecimalScaleOutOfRange"
    with pytest.raises(MtpRuntimeError) as info:
        D.round(Dec(1), 2 ** 64)
    assert info.value.code == "IntegerOverflow"


def test_operands_outside_the_domain_are_refused():
    for bad in (Dec("NaN"), Dec("Infinity"), Dec("1e40"), Dec("1e-29"), Dec("1." + "1" * 40)):
        with pytest.raises(MtpRuntimeError) as info:
            D.add(bad, Dec(1))
        assert info.value.code == "InvalidDecimal"
    with pytest.raises(TypeError):
        D.add(1, Dec(1))


def test_non_canonical_domain_operands_are_accepted():
    assert D.add(Dec("1.000000000000000000000000000000000000000000"), Dec("1E+2")) == Dec(101)


def test_compare():
    assert D.compare(Dec("1.5"), Dec("1.50")) == 0
    assert D.compare(Dec("-0"), Dec("0")) == 0
    assert D.compare(Dec("-2"), Dec("1")) == -1
    assert D.compare(Dec("10"), Dec("9.99")) == 1
    assert D.compare(Dec("-" + "9" * 34), Dec("-1e-28")) == -1
    assert D.max(Dec("1.50"), Dec("1.4")) == Dec("1.5") and D.min(Dec("1.50"), Dec("1.4")) == Dec("1.4")


def test_compare_work_is_data_independent():
    """compare scans the same number of digit positions wherever the values differ."""
    calls = []
    real = D._fixed

    def spy(*a):
        r = real(*a)
        calls.append(len(r))
        return r

    D._fixed = spy
    try:
        for a, b in [("1", "2"), ("1" * 34, "1" * 33 + "2"), ("-5", "5"), ("1e-28", "0")]:
            D.compare(Dec(a), Dec(b))
    finally:
        D._fixed = real
    assert set(calls) == {64}


# -- properties -------------------------------------------------------------------------------

OPS = {"add": (D.add, lambda a, b: a + b), "sub": (D.sub, lambda a, b: a - b),
       "mul": (D.mul, lambda a, b: a * b)}


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(OPS)), domain_decimals(), domain_decimals())
@example("add", Dec("9" * 34), Dec("0.5"))
@example("mul", Dec("0.9999999999999999999999999999"), Dec("0.9999999999999999999999999999"))
@example("mul", Dec("1e-28"), Dec("0.5"))
def test_arithmetic_matches_exact_rationals(op, a, b):
    ours_fn, exact_fn = OPS[op]
    expected = exact_into_domain(exact_fn(Fraction(a), Fraction(b)))
    if expected is None:
        with pytest.raises(MtpRuntimeError) as info:
            ours_fn(a, b)
        assert info.value.code == "DecimalOverflow"
    else:
        r = ours_fn(a, b)
        assert Fraction(r) == expected and is_canonical(r)


@settings(max_examples=300, deadline=None)
@given(domain_decimals(), domain_decimals())
def test_division_matches_exact_rationals(a, b):
    r = D.div(a, b)
    if b == 0:
        assert r == err(D.DIVISION_BY_ZERO)
        return
    expected = exact_into_domain(Fraction(a) / Fraction(b))
    if expected is None:
        assert r == err(D.OVERFLOW)
    else:
        assert r.name == "Ok" and Fraction(r.fields[0]) == expected and is_canonical(r.fields[0])


@settings(max_examples=200, deadline=None)
@given(domain_decimals(), st.integers(0, 28))
def test_round_matches_exact_rationals(d, scale):
    r = D.round(d, scale)
    assert Fraction(r) == Fraction(round(Fraction(d) * 10 ** scale), 10 ** scale) and is_canonical(r)


@settings(max_examples=200, deadline=None)
@given(domain_decimals(), domain_decimals())
def test_compare_matches_exact_rationals(a, b):
    fa, fb = Fraction(a), Fraction(b)
    assert D.compare(a, b) == (fa > fb) - (fa < fb) == -D.compare(b, a)


@settings(max_examples=200, deadline=None)
@given(domain_decimals(), domain_decimals())
def test_results_agree_with_ieee_decimal128_when_in_domain(a, b):
    for ours, name in ((D.add, "add"), (D.sub, "subtract"), (D.mul, "multiply")):
        e = getattr(D.CONTEXT.copy(), name)(a, b)
        if D.in_domain(e):
            assert ours(a, b) == e


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_from_string_never_raises(s):
    r = D.from_string(s)
    assert r.union == "Result"
    if r.name == "Ok":
        assert is_canonical(r.fields[0])


@given(st.from_regex(r"\A[+-]?[0-9]{0,40}(\.[0-9]{0,40})?([eE][+-]?[0-9]{1,3})?\Z"))
def test_from_string_is_exact(s):
    assume(re.search(r"[0-9]", s.split("e")[0].split("E")[0]))
    r = D.from_string(s)
    x = Fraction(Dec(s))
    if r.name == "Ok":
        assert Fraction(r.fields[0]) == x
    else:
        kind = r.fields[0].name
        assert (kind == "Overflow") == (abs(x) >= 10 ** 34)
        if kind == "InvalidDecimal":
            digits = Dec(s).normalize(Context(prec=1000)).as_tuple().digits
            assert x * 10 ** 28 != int(x * 10 ** 28) or len(digits) > 34

