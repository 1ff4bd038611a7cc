"""The Python value model: Record, Variant, MtpMap, structural equality."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mtpscript.stdlib.errors import MtpRuntimeError
from mtpscript.stdlib.values import (
    NONE, MtpMap, Record, Variant, err, json_object, json_int, ok, some, structural_equal, type_tag,
)

Dec = Decimal


def test_record_is_an_immutable_structural_mapping():
    r = Record({"b": 1, "a": (2, 3)})
    assert list(r) == ["a", "b"] and r["a"] == (2, 3) and len(r) == 2 and "b" in r
    assert r == Record(a=(2, 3), b=1) and hash(r) == hash(Record(a=(2, 3), b=1))
    assert r != Record(a=(2, 3), b=True)  # bool is not number
    assert r != Record(a=(2, 3)) and r != {"a": (2, 3), "b": 1}
    assert Record(x=Dec("1.50")) == Record(x=Dec("1.5"))
    with pytest.raises(AttributeError):
        r.x = 1
    assert r.with_field("c", 0) == Record(a=(2, 3), b=1, c=0) and "c" not in r
    with pytest.raises(TypeError):
        Record({1: 2})


def test_variant_equality():
    assert some(1) == Variant("Option", "Some", (1,)) and some(1) != some(2) and some(1) != ok(1)
    assert NONE == Variant("Option", "None") and hash(NONE) == hash(Variant("Option", "None", ()))
    assert Variant("P", "Card", ("x",), ("number",)) == Variant("P", "Card", ("x",))
    assert Variant("P", "A", (1, 2), (None, None)).field_names is None
    with pytest.raises(TypeError):
        Variant("P", "A", [1])
    with pytest.raises(TypeError):
        Variant("P", "A", (1,), ("a", "b"))
    with pytest.raises(AttributeError):
        NONE.name = "Some"


def test_map_operations():
    m0 = MtpMap.empty()
    m1 = m0.set("a", 1)
    m2 = m1.set("b", 2).set("a", 3)
    assert m0.size() == 0 and m1.size() == 1 and m2.size() == 2
    assert m1.get("a") == some(1) and m2.get("a") == some(3) and m2.get("zz") == NONE
    assert m2.has("b") and not m1.has("b") and "b" in m2
    assert m2.remove("a").keys() == ("b",) and m2.remove("q") is m2
    assert set(m2.keys()) == {"a", "b"} and dict(m2.items()) == {"a": 3, "b": 2}
    assert m2.values() == tuple(v for _, v in m2.items())
    assert m2.lookup("a") == 3 and m2.lookup("q", 0) == 0


def test_map_keys_are_compared_structurally():
    m = MtpMap().set(Dec("1.50"), "x").set(Dec("1.5"), "y")
    assert m.size() == 1 and m.get(Dec("1.500")) == some("y")
    m = MtpMap().set(Record(a=1, b=2), 1)
    assert m.has(Record(b=2, a=1))
    m = MtpMap().set(1, "n").set(True, "b")  # never mixed in a typed program, but distinct anyway
    assert m.size() == 2


def test_map_equality_and_order_ignore_insertion():
    a = MtpMap.from_pairs([(3, "c"), (1, "a"), (2, "b")])
    b = MtpMap.from_pairs([(1, "a"), (2, "b"), (3, "c")])
    assert a == b and hash(a) == hash(b) and a.keys() == b.keys()
    assert a != b.set(3, "C") and a != b.remove(3)


def test_functions_are_refused_as_keys():
    with pytest.raises(TypeError):
        MtpMap().set(lambda x: x, 1)
    with pytest.raises(TypeError):
        type_tag(print)
    with pytest.raises(MtpRuntimeError) as info:
        MtpMap().set("\ud800", 1)
    assert info.value.code == "InvalidUnicode"


def test_type_tags():
    assert [type_tag(v) for v in (None, True, 1, Dec(1), "s", (), Record(), NONE, MtpMap())] == list(range(9))


def test_json_helpers():
    assert json_object({"a": json_int(1)}) == Variant("Json", "JsonObject", (MtpMap().set("a", json_int(1)),))
    with pytest.raises(MtpRuntimeError):
        json_int(2 ** 63)
    assert err("e").fields == ("e",)


def test_deep_equality_and_hash_do_not_recurse():
    def chain(n, last):
        v = last
        for i in range(n):
            v = Variant("L", "Cons", (i, Record(next=(v,))))
        return v
    a, b, c = chain(20_000, None), chain(20_000, None), chain(20_000, 0)
    assert a == b and structural_equal(a, b) and hash(a) == hash(b)
    assert a != c
