"""Canonical CBOR, FNV-1a 64, SHA-256 and the Map key order, against third-party
vectors (RFC 8949 Appendix A, Landon Curt Noll's FNV suite, NIST CAVP) and properties."""

from __future__ import annotations

import base64
import csv
import json
from decimal import Decimal

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtpscript.stdlib import cbor
from mtpscript.stdlib.decimal128 import canonical
from mtpscript.stdlib.errors import MtpRuntimeError
from mtpscript.stdlib.hashing import Hash, fnv1a64, map_sort_key, sha256_bytes
from mtpscript.stdlib.values import INT64_MAX, INT64_MIN, NONE, MtpMap, Record, Variant, some

Dec = Decimal


class NotHoldable(Exception):
    pass


def to_mtp(x):
    """A decoded CBOR item as an MTPScript value, if MTPScript can hold it."""
    if x is None or type(x) in (bool, str):
        return x
    if type(x) is int:
        if INT64_MIN <= x <= INT64_MAX:
            return x
        raise NotHoldable("int beyond int64")
    if type(x) is list:
        return tuple(to_mtp(i) for i in x)
    if isinstance(x, dict):
        items = [(to_mtp(k), to_mtp(v)) for k, v in x.items()]
        if all(type(k) is str for k, _ in items):
            return Record(dict(items))
        return MtpMap.from_pairs(items)
    raise NotHoldable(type(x).__name__)


def test_rfc8949_appendix_a(vectors, vector_counts):
    entries = json.loads((vectors / "cbor" / "appendix_a.json").read_text())
    passed = skipped = 0
    for e in entries:
        data = base64.b64decode(e["cbor"])
        assert data.hex() == e["hex"]
        if not e["roundtrip"]:
            skipped += 1  # indefinite-length encodings: not canonical
            continue
        try:
            value = to_mtp(cbor2.loads(data))
        except (NotHoldable, cbor2.CBORDecodeError):  # e.g. simple(24): cbor2 refuses it
            skipped += 1
            continue
        if "decoded" in e:  # cross-check the decoder against the published value
            assert value == to_mtp(e["decoded"])
        assert cbor.encode(value) == data, e["hex"]
        assert Hash.cbor(value) == e["hex"]
        passed += 1
    vector_counts["cbor RFC 8949 appendix A"] = {"passed": passed, "not_holdable": skipped}
    print(f"cbor vectors: {passed} passed, {skipped} not holdable by MTPScript")
    assert passed >= 25


def test_fnv1a64_vectors(vectors, vector_counts):
    with open(vectors / "fnv" / "lcn2_fnv_test_vectors.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    text_rows = 0
    for row in rows:
        data = bytes.fromhex(row["input_hex"])
        assert format(fnv1a64(data), "016x") == row["fnv1a_64"], row["c_source"]
        try:
            s = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        assert Hash.fnv1a64(s) == row["fnv1a_64"]
        text_rows += 1
    assert len(rows) == 203
    vector_counts["fnv1a_64"] = {"passed": len(rows), "also_via_Hash.fnv1a64": text_rows}
    print(f"fnv1a64 vectors: {len(rows)} passed")


def read_rsp(path):
    rec = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if " = " not in line or line.startswith("#"):
            continue
        k, v = line.split(" = ", 1)
        rec[k] = v
        if k == "MD":
            bits = int(rec["Len"])
            msg = bytes.fromhex(rec["Msg"])[: bits // 8]
            yield msg, v
            rec = {}


def test_sha256_vectors(vectors, vector_counts):
    counts = {}
    for name in ("SHA256ShortMsg.rsp", "SHA256LongMsg.rsp"):
        n = 0
        for msg, md in read_rsp(vectors / "sha256" / name):
            assert sha256_bytes(msg) == md
            try:
                s = msg.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                assert Hash.sha256(s) == md
            n += 1
        counts[name] = n
    assert counts == {"SHA256ShortMsg.rsp": 65, "SHA256LongMsg.rsp": 64}
    vector_counts["sha256 NIST CAVP"] = counts
    print(f"sha256 vectors: {counts}")


# -- encoding details ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, hexed", [
    (Dec("1.50"), "c482200f"), (Dec("100"), "c482001864"), (Dec("0"), "c4820000"), (Dec("-0.00"), "c4820000"),
    (Dec("-1.5"), "c482202e"), (None, "f6"), (NONE, "81644e6f6e65"), (some(1), "8264536f6d6501"),
    (Variant("Color", "Red", ()), "8163526564"), (Record(b=1, a=2, cc=3), "a3616102616201626363" + "03"),
    ((), "80"), (-(2 ** 63), "3b7fffffffffffffff"),
])
def test_value_encodings(value, hexed):
    assert cbor.encode(value).hex() == hexed


def test_big_decimal_mantissa_is_a_bignum():
    d = Dec("-" + "9" * 34)
    assert cbor.encode(d) == cbor2.dumps(cbor2.CBORTag(4, [0, -(10 ** 34 - 1)]), canonical=True)
    assert cbor.encode(Dec("1e-28")) == cbor2.dumps(cbor2.CBORTag(4, [-28, 1]))


@pytest.mark.parametrize("n", [0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 64 - 1])
def test_heads_match_cbor2(n):
    assert cbor.head(0, n) == cbor2.dumps(n)
    assert cbor.head(1, n) == cbor2.dumps(-1 - n)
    if n <= 65536:
        h = cbor.head(4, n)
        assert cbor2.dumps([None] * n)[: len(h)] == h
        assert cbor2.dumps({i: None for i in range(n)}, canonical=True)[: len(h)] == cbor.head(5, n)


def test_errors():
    with pytest.raises(MtpRuntimeError) as info:
        cbor.encode(("ok", "\udfff"))
    assert info.value.code == "InvalidUnicode"
    with pytest.raises(MtpRuntimeError) as info:
        cbor.encode(2 ** 63)
    assert info.value.code == "IntegerOverflow"
    with pytest.raises(TypeError):
        cbor.encode((lambda: 1,))
    with pytest.raises(TypeError):
        cbor.encode(1.5)
    with pytest.raises(MtpRuntimeError) as info:
        Hash.sha256("\ud800")
    assert info.value.code == "InvalidUnicode"


def test_hash_namespace():
    assert Hash.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert Hash.fnv1a64("") == "cbf29ce484222325" and Hash.fnv1a64("a") == "af63dc4c8601ec8c"
    assert Hash.cbor(Record(a=1)) == "a1616101"
    assert Hash.of(Record(a=1)) == format(fnv1a64(bytes.fromhex("a1616101")), "016x")
    assert len(Hash.of(12345)) == 16 and Hash.of(0) == format(fnv1a64(b"\x00"), "016x")
    assert Hash.of(Dec("1.5")) == Hash.of(Dec("1.50000"))
    assert Hash.of(Record(a=1, b=2)) == Hash.of(Record(b=2, a=1))


def test_deep_values_encode_without_recursion():
    v = None
    for i in range(100_000):
        v = Variant("L", "Cons", (i, v))
    data = cbor.encode(v)
    assert data.startswith(bytes.fromhex("8364436f6e731a0001869f")) and len(Hash.of(v)) == 16


# -- properties -----------------------------------------------------------------------------------

@st.composite
def decimals(draw):
    scale = draw(st.integers(0, 28))
    coef = draw(st.integers(-(10 ** 34 - 1), 10 ** 34 - 1))
    return canonical(Dec((0 if coef >= 0 else 1, tuple(map(int, str(abs(coef)))), -scale)))


keys_text = st.text(max_size=5)
leaves = st.one_of(st.none(), st.booleans(), st.integers(INT64_MIN, INT64_MAX), st.text(max_size=6), decimals())
values = st.recursive(
    leaves,
    lambda c: st.one_of(
        st.lists(c, max_size=4).map(tuple),
        st.dictionaries(keys_text, c, max_size=4).map(Record),
        st.tuples(st.sampled_from(["A", "Bb"]), st.lists(c, max_size=3)).map(lambda t: Variant("U", t[0], tuple(t[1]))),
        st.dictionaries(st.one_of(keys_text, st.integers(-300, 300)), c, max_size=4).map(
            lambda d: MtpMap.from_pairs(d.items())),
    ),
    max_leaves=25,
)


def native(v):
    """The same value as plain Python data for cbor2 (the reference encoder)."""
    if type(v) is Decimal:
        sign, digits, exp = v.as_tuple()
        m = int("".join(map(str, digits)))
        return cbor2.CBORTag(4, [exp, -m if sign else m])
    if type(v) is tuple:
        return [native(x) for x in v]
    if type(v) is Record:
        return {k: native(x) for k, x in v.items()}
    if type(v) is Variant:
        return [v.name] + [native(x) for x in v.fields]
    if type(v) is MtpMap:
        return {k: native(x) for k, x in v.items()}  # keys here are str or int
    return v


@settings(max_examples=300, deadline=None)
@given(values)
def test_encoder_matches_cbor2_canonical(v):
    assert cbor.encode(v) == cbor2.dumps(native(v), canonical=True)


map_keys = st.one_of(
    st.integers(INT64_MIN, INT64_MAX), st.text(max_size=5), decimals(),
    st.lists(st.integers(0, 3), max_size=3).map(tuple),
    st.dictionaries(keys_text, st.integers(0, 3), max_size=2).map(Record),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(map_keys, st.integers(INT64_MIN, INT64_MAX)), max_size=12), st.randoms(use_true_random=False))
def test_map_order_is_independent_of_insertion_order(pairs, rnd):
    last = {}
    for k, v in pairs:
        last[cbor.encode(k)] = (k, v)
    shuffled = list(last.values())
    rnd.shuffle(shuffled)
    a, b = MtpMap.from_pairs(last.values()), MtpMap.from_pairs(shuffled)
    c = MtpMap()
    for k, v in reversed(shuffled):
        c = c.set(k, v)
    assert a.items() == b.items() == c.items()
    assert a == b == c and hash(a) == hash(b) and Hash.of(a) == Hash.of(c)
    # the order is (type tag, FNV-1a 64 of the canonical CBOR, CBOR bytes), computed here
    # from cbor2's encoding
    def expected_key(k):
        data = cbor2.dumps(native(k), canonical=True)
        tag = {int: 2, Decimal: 3, str: 4, tuple: 5, Record: 6}[type(k)]
        return (tag, fnv1a64(data), data)
    assert [map_sort_key(k) for k in a.keys()] == sorted(expected_key(k) for k, _ in last.values())


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(keys_text, values, max_size=5), st.randoms(use_true_random=False))
def test_cbor_ignores_record_insertion_order(d, rnd):
    items = list(d.items())
    rnd.shuffle(items)
    assert cbor.encode(Record(d)) == cbor.encode(Record(dict(items)))
