"""Tests of ``mtpscript.stdlib.json_codec``: RFC 8785 vectors, ES6 number formatting,
the strict parser, the §6 value encoding and its properties."""

from __future__ import annotations

import json
import struct
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtpscript.stdlib import json_codec as J
from mtpscript.stdlib.decimal128 import canonical
from mtpscript.stdlib.errors import MtpRuntimeError
from mtpscript.stdlib.values import (
    NONE, MtpMap, Record, Variant, err, json_array, json_bool, json_decimal, json_int, json_null,
    json_object, json_string, ok, some,
)

Dec = Decimal


# -- third-party vectors ------------------------------------------------------------------------

def test_jcs_vectors(vectors, vector_counts):
    inputs = sorted((vectors / "jcs" / "input").glob("*.json"))
    assert len(inputs) >= 6
    for path in inputs:
        expected = (vectors / "jcs" / "output" / path.name).read_bytes()
        assert J.jcs_canonicalize(path.read_bytes()) == expected, path.name
        assert J.jcs_canonicalize(path.read_text(encoding="utf-8")) == expected, path.name
        outhex = vectors / "jcs" / "outhex" / (path.stem + ".txt")
        if outhex.exists():
            assert bytes.fromhex("".join(outhex.read_text().split())) == expected
    vector_counts["jcs input/output"] = {"passed": len(inputs)}
    print(f"jcs vectors: {len(inputs)} passed")


def test_es6_number_vectors(vectors, vector_counts):
    n = 0
    for line in (vectors / "jcs" / "es6numbers_first10000.txt").read_text().splitlines():
        bits, expected = line.split(",")
        x = struct.unpack(">d", bytes.fromhex(bits.zfill(16)))[0]
        assert J.es6_number_to_string(x) == expected, (bits, expected)
        n += 1
    assert n == 10000
    vector_counts["jcs es6numbers_first10000"] = {"passed": n}
    print(f"es6 number vectors: {n} passed")


# -- RFC 8785 details ----------------------------------------------------------------------------

@pytest.mark.parametrize("x, s", [
    (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.5, "-1.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
    (123456789012345680000.0, "123456789012345680000"), (1e-6, "0.000001"), (1e-7, "1e-7"),
    (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (0.1 + 0.2, "0.30000000000000004"),
])
def test_es6_number_format(x, s):
    assert J.es6_number_to_string(x) == s


def test_jcs_sorts_by_utf16_code_units():
    # U+FB33 (one code unit 0xFB33) sorts after U+1F602 (surrogates 0xD83D 0xDE02)
    out = J.jcs_canonicalize('{"\\ufb33": 1, "\\ud83d\\ude02": 2, "a": 3}')
    assert out == '{"a":3,"\U0001f602":2,"\ufb33":1}'.encode()


@pytest.mark.parametrize("bad", ['{"a":1,"a":2}', "[1,]", "NaN", "1e400", '"\\ud800"', "[", ""])
def test_jcs_rejects(bad):
    with pytest.raises(MtpRuntimeError) as info:
        J.jcs_canonicalize(bad)
    assert info.value.code == "InvalidJson" and set(info.value.details) == {"message", "offset"}


@settings(max_examples=150, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=4), c, max_size=4), max_leaves=20))
def test_jcs_is_idempotent_and_preserves_meaning(doc):
    text = json.dumps(doc, ensure_ascii=False)
    canon = J.jcs_canonicalize(text)
    assert J.jcs_canonicalize(canon) == canon
    assert json.loads(canon, parse_int=float) == json.loads(text, parse_int=float)


# -- parsing ---------------------------------------------------------------------------------------

def P(text):
    r = J.parse(text)
    assert r.name == "Ok", r
    return r.fields[0]


def E(text):
    r = J.parse(text)
    assert r.union == "Result" and r.name == "Err", r
    rec = r.fields[0]
    assert type(rec) is Record and set(rec) == {"message", "offset"}
    return rec["message"], rec["offset"]


def test_parse_values():
    assert P(" null ") == json_null()
    assert P("true") == json_bool(True) and P("false") == json_bool(False)
    assert P("-0") == json_int(0)
    assert P("9223372036854775807") == json_int(2 ** 63 - 1)
    assert P("-9223372036854775808") == json_int(-(2 ** 63))
    assert P("1.50") == json_decimal(Dec("1.5")) and P("150e-2") == json_decimal(Dec("1.5"))
    assert P("-0.0") == json_decimal(Dec(0)) and P("1E33") == json_decimal(Dec(10 ** 33))
    assert P("1." + "0" * 60) == json_decimal(Dec(1))
    assert P('"a\\u00e9\\ud83d\\ude00\\n\\/"') == json_string("aé😀\n/")
    assert P('[1, [], {}, "x"]') == json_array([json_int(1), json_array([]), json_object({}), json_string("x")])
    obj = P('{"b": 1, "a": {"c": null}}')
    assert obj == json_object({"a": json_object({"c": json_null()}), "b": json_int(1)})
    assert P(b'{"\xc3\xa9": 1}') == json_object({"é": json_int(1)})


@pytest.mark.parametrize("text, message, offset", [
    ('{"a":1,"a":2}', "duplicate key", 7),
    ('[{"x":{"k":1,"k":1}}]', "duplicate key", 13),
    ('{"a":1,"\\u0061":2}', "duplicate key", 7),
    ("[1] x", "trailing characters", 4),
    ("NaN", "unexpected character", 0),
    ("Infinity", "unexpected character", 0),
    ("-Infinity", "invalid number", 0),
    ("01", "leading zero", 0),
    ("-01", "leading zero", 0),
    ("1.", "invalid number", 0),
    (".5", "unexpected character", 0),
    ("+1", "unexpected character", 0),
    ("1e", "invalid number", 0),
    ('"\\ud800"', "lone surrogate", 1),
    ('"\\udc00"', "lone surrogate", 1),
    ('"\\ud800\\u0041"', "lone surrogate", 1),
    ('"\\ud800x"', "lone surrogate", 1),
    ('"a\ud800"', "lone surrogate", 2),
    ('"\x01"', "control character in string", 1),
    ('"\\x"', "invalid escape", 1),
    ('"\\u12"', "invalid \\u escape", 1),
    ('"abc', "unterminated string", 0),
    ("9223372036854775808", "integer outside the 64-bit range", 0),
    ("-9223372036854775809", "integer outside the 64-bit range", 0),
    ("1" * 5000, "integer outside the 64-bit range", 0),
    ("1e34", "number outside the Decimal domain", 0),
    ("1e-29", "number outside the Decimal domain", 0),
    ("0.1234567890123456789012345678901234567", "number outside the Decimal domain", 0),
    ("1e99999999999999999999999", "number outside the Decimal domain", 0),
    ("\ufeff{}", "unexpected character", 0),
    ("[1 2]", "expected ',' or ']'", 3),
    ('{"a" 1}', "expected ':'", 5),
    ("{1:2}", "expected a string key", 1),
    ("", "unexpected end of input", 0),
    ("[", "unexpected end of input", 1),
    ("tru", "unexpected character", 0),
    ("[1,]", "unexpected character", 3),
])
def test_parse_rejects(text, message, offset):
    assert E(text) == (message, offset)


@pytest.mark.parametrize("data, offset", [
    (b"\xff", 0), (b'"\xed\xa0\x80"', 1), (b'"\xc0\xaf"', 1), (b'["ok", "\xe2\x82"]', 8), (b"\xef\xbb\xbf{}", None),
])
def test_parse_rejects_invalid_utf8(data, offset):
    message, off = E(data)
    if offset is None:
        assert message == "unexpected character"
    else:
        assert (message, off) == ("invalid UTF-8", offset)


def test_byte_offsets_for_bytes_input():
    assert E('["é", x]'.encode()) == ("unexpected character", 7)
    assert E('["é", x]') == ("unexpected character", 6)


def test_depth_limit_is_an_error_not_a_crash():
    assert P("[" * 127 + "]" * 127).name == "JsonArray"
    assert E("[" * 128 + "]" * 128) == ("nesting too deep", 127)
    assert E('{"a":' * 128 + "1" + "}" * 128)[0] == "nesting too deep"
    assert E("[" * 1_000_000)[0] == "nesting too deep"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.text(alphabet='{}[]",:.-+eE0123456789 tfnrulasx\\u', max_size=40)))
def test_parse_never_raises_on_text(s):
    assert J.parse(s).union == "Result"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_parse_never_raises_on_bytes(b):
    assert J.parse(b).union == "Result"


# -- writing: the §6 encoding ----------------------------------------------------------------------

def S(v):
    return J.to_canonical_json(v).decode()


def test_value_encodings():
    assert S(None) == "null" and S(True) == "true" and S(-(2 ** 63)) == "-9223372036854775808"
    assert S(Dec("-0.00")) == "0" and S(Dec("12.50")) == "12.5" and S(Dec("1E+2")) == "100"
    assert S(Dec("1e-28")) == "0.0000000000000000000000000001"
    assert S(("a", 1)) == '["a",1]' and S(()) == "[]"
    assert S(Record(b=1, a=Record())) == '{"a":{},"b":1}'
    assert S(NONE) == "null" and S(some(some(1))) == "1"
    assert S(ok(None)) == '{"ok":null}' and S(err("e")) == '{"err":"e"}'
    assert S(Variant("Color", "Red", ())) == '"Red"'
    assert S(Variant("Color", "Custom", ("x",))) == '{"Custom":"x"}'
    assert S(Variant("Tree", "Node", (1, 2))) == '{"Node":[1,2]}'
    assert S(Variant("Payment", "Card", ("4111",), ("number",))) == '{"Card":{"number":"4111"}}'
    assert S(Variant("P", "Mixed", (1, 2), ("a", None))) == '{"Mixed":[1,2]}'
    assert S(Variant("DecimalError", "InvalidDecimal", ("x",))) == '{"InvalidDecimal":"x"}'
    assert S(MtpMap.from_pairs([("b", 1), ("a", 2)])) == '{"a":2,"b":1}'
    assert S(MtpMap()) == "{}"
    m = MtpMap.from_pairs([(2, "x"), (1, "y")])
    assert S(m) == "[" + ",".join(f"[{json.dumps(k)},{json.dumps(v)}]" for k, v in m.items()) + "]"
    assert S(json_object({"z": json_null(), "a": json_array([json_decimal(Dec("1.0")), json_int(5)])})) == \
        '{"a":[1,5],"z":null}'


def test_string_escaping():
    assert S("\"\\/\b\f\n\r\t\x00\x1f\x7f\u2028é😀") == '"\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\u2028é😀"'
    with pytest.raises(MtpRuntimeError) as info:
        S("a\ud800")
    assert info.value.code == "InvalidUnicode"


def test_non_data_values_are_type_errors():
    with pytest.raises(TypeError):
        S(lambda x: x)
    with pytest.raises(TypeError):
        S(1.5)
    with pytest.raises(TypeError):
        S(Variant("Json", "JsonInt", ("1",)))


def test_int64_is_enforced_when_writing():
    with pytest.raises(MtpRuntimeError) as info:
        S(2 ** 63)
    assert info.value.code == "IntegerOverflow"


def test_deep_values_are_written_without_recursion():
    v = None
    for i in range(50_000):
        v = Variant("List", "Cons", (i, v))
    out = S(v)
    assert out.startswith('{"Cons":[49999,{"Cons":[49998,') and out.endswith("null]}" + "]}" * 49_999)
    with pytest.raises(MtpRuntimeError) as refused:      # deeper than the value nesting limit
        J.json_from(v)
    assert refused.value.code == "ValueTooDeep"
    shallow = Variant("List", "Cons", (1, Variant("List", "Cons", (2, None))))
    assert J.to_canonical_json(J.json_from(shallow)) == S(shallow).encode()


def test_runtime_error_to_json():
    e = MtpRuntimeError("IndexOutOfBounds", {"index": 5, "length": 2})
    assert e.to_json() == '{"error":"IndexOutOfBounds","index":5,"length":2}'


# -- properties -----------------------------------------------------------------------------------

json_keys = st.text(max_size=6)


@st.composite
def decimals(draw):
    scale = draw(st.integers(0, 28))
    coef = draw(st.integers(-(10 ** 34 - 1), 10 ** 34 - 1))
    return canonical(Dec((0 if coef >= 0 else 1, tuple(map(int, str(abs(coef)))), -scale)))


def non_integral(d):
    return d != d.to_integral_value()


json_values = st.recursive(
    st.one_of(
        st.just(json_null()), st.booleans().map(json_bool),
        st.integers(-(2 ** 63), 2 ** 63 - 1).map(json_int),
        decimals().filter(non_integral).map(json_decimal),
        st.text(max_size=10).map(json_string),
    ),
    lambda c: st.one_of(
        st.lists(c, max_size=4).map(json_array),
        st.dictionaries(json_keys, c, max_size=4).map(json_object),
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_parse_stringify_identity(j):
    text = J.stringify(j)
    assert J.parse(text) == ok(j)
    assert J.parse(text.encode()) == ok(j)


@given(decimals())
def test_integral_decimals_read_back_as_ints(d):
    r = J.parse(J.stringify(json_decimal(d)))
    if d == d.to_integral_value():
        if -(2 ** 63) <= d < 2 ** 63:
            assert r == ok(json_int(int(d)))
        else:  # documented: written like an integer, outside int64 -> Json.parse refuses it
            assert r.name == "Err" and r.fields[0]["message"] == "integer outside the 64-bit range"
    else:
        assert r == ok(json_decimal(d))


data_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-(2 ** 63), 2 ** 63 - 1), decimals(), st.text(max_size=6),
    st.just(NONE),
)


def data_values():
    return st.recursive(
        data_leaves,
        lambda c: st.one_of(
            st.lists(c, max_size=3).map(tuple),
            st.dictionaries(json_keys, c, max_size=3).map(Record),
            c.map(some), c.map(ok), c.map(err),
            st.tuples(st.sampled_from(["A", "B"]), st.lists(c, max_size=3)).map(
                lambda t: Variant("U", t[0], tuple(t[1]))),
            st.tuples(c, c).map(lambda t: Variant("U", "Named", t, ("x", "y"))),
            st.dictionaries(json_keys, c, max_size=3).map(lambda d: MtpMap.from_pairs(d.items())),
            st.dictionaries(st.integers(-5, 5), c, max_size=3).map(lambda d: MtpMap.from_pairs(d.items())),
            json_values,
        ),
        max_leaves=20,
    )


@settings(max_examples=200, deadline=None)
@given(data_values())
def test_json_from_has_the_same_encoding(v):
    out = J.to_canonical_json(v)
    assert J.to_canonical_json(J.json_from(v)) == out


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(json_keys, data_values(), max_size=6), st.randoms(use_true_random=False))
def test_canonical_output_ignores_insertion_order(d, rnd):
    items = list(d.items())
    shuffled = items[:]
    rnd.shuffle(shuffled)
    a, b = Record(dict(items)), Record(dict(shuffled))
    assert J.to_canonical_json(a) == J.to_canonical_json(b)
    ma, mb = MtpMap.from_pairs(items), MtpMap.from_pairs(shuffled)
    assert J.to_canonical_json(ma) == J.to_canonical_json(mb) == J.to_canonical_json(a)
    ja, jb = J.json_from(ma), J.json_from(mb)
    assert ja == jb and J.stringify(ja) == J.stringify(jb)
