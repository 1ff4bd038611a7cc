"""The reference interpreter (runtime/reference.py): exact response bodies and exact gas.

Expected gas figures are computed from compiler/gas.py (op_cost / stdlib_cost /
surcharge), never from Annex A numbers written here.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache

import pytest

from mtpscript.compiler import gas
from mtpscript.compiler.modules import check_source
from mtpscript.runtime.dispatch import Request
from mtpscript.runtime.reference import FixtureHost, _equal, run_reference
from mtpscript.stdlib.values import MtpMap, Record, Variant, ok

O = gas.op_cost
L = gas.stdlib_cost
sur = gas.surcharge
BIG = 2_000_000_000


@lru_cache(maxsize=None)
def program(src: str):
    result = check_source(src)
    assert result.ok, [d.message for d in result.diagnostics]
    return result


def run(src: str, target: str = "/", method: str = "GET", body: bytes = b"", headers=None,
        limit: int = 10_000_000, host=None):
    return run_reference(program(src), Request.from_target(method, target, headers, body), limit, host)


def body_of(outcome) -> str:
    return outcome.response.body.decode("utf-8")


def respond_json_cost(body: str) -> int:
    """`respond json(...)` around an expression: the two rows plus the output surcharge."""
    return O("respond") + L("json") + sur(len(body.encode("utf-8")))


# ---------------------------------------------------------------- arithmetic
ADD = """
function add(a: number, b: number): number { a + b }
api GET "/add" { respond json(add(1, 2)) }
api GET "/overflow" { respond json(add(9223372036854775807, 1)) }
"""


def test_add_exact_body_and_gas():
    out = run(ADD, "/add")
    assert out.response.status == 200
    assert out.response.headers == {"content-type": "application/json"}
    assert body_of(out) == "3"
    expected = respond_json_cost("3") + O("call") + 2 * O("literal") + O("+") + 2 * O("read")
    assert out.gas_used == expected


def test_overflow_at_int64_max_plus_one():
    out = run(ADD, "/overflow")
    assert out.response.status == 500
    assert body_of(out) == '{"error":"IntegerOverflow"}'
    assert out.gas_used == O("respond") + L("json") + O("call") + 2 * O("literal") + O("+") + 2 * O("read")


INT = """
api GET "/min" { respond json(-9223372036854775808) }
api GET "/min-minus-one" { respond json(-9223372036854775808 - 1) }
api GET "/neg-min" { respond json(-(-9223372036854775808)) }
api GET "/min-div" { respond json(-9223372036854775808 / -1) }
api GET "/min-mod" { respond json(-9223372036854775808 % -1) }
api GET "/mul" { respond json(4611686018427387904 * 2) }
api GET "/exact" { respond json([9007199254740993, 9007199254740992 + 1, 9007199254740993 * 1]) }
api GET "/div" { respond json([-7 / 2, -7 % 2, 7 / -2, 7 % -2, -7 / -2, -7 % -2, 7 / 2, 7 % 2]) }
api GET "/div0" { respond json(1 / (1 - 1)) }
api GET "/mod0" { respond json(1 % (1 - 1)) }
"""


def test_int64_min_literal():
    out = run(INT, "/min")
    assert body_of(out) == "-9223372036854775808"
    assert out.gas_used == respond_json_cost("-9223372036854775808") + O("neg") + O("literal")


@pytest.mark.parametrize("path", ["/min-minus-one", "/neg-min", "/min-div", "/mul"])
def test_int64_overflows(path):
    out = run(INT, path)
    assert (out.response.status, body_of(out)) == (500, '{"error":"IntegerOverflow"}')


def test_min_mod_minus_one_is_zero():
    assert body_of(run(INT, "/min-mod")) == "0"


def test_two_pow_53_plus_one_is_exact():
    assert body_of(run(INT, "/exact")) == "[9007199254740993,9007199254740993,9007199254740993]"


def test_division_truncates_and_remainder_has_dividend_sign():
    assert body_of(run(INT, "/div")) == "[-3,-1,-3,1,3,-1,3,1]"


@pytest.mark.parametrize("path", ["/div0", "/mod0"])
def test_division_by_zero(path):
    out = run(INT, path)
    assert (out.response.status, body_of(out)) == (500, '{"error":"DivisionByZero"}')
    op = "/" if path == "/div0" else "%"
    assert out.gas_used == O("respond") + L("json") + O(op) + O("literal") + O("-") + 2 * O("literal")


INDEX = """
api GET "/in" { const xs = [10, 20, 30]
  respond json(xs[2]) }
api GET "/past" { const xs = [10, 20, 30]
  respond json(xs[3]) }
api GET "/neg" { const xs = [10, 20, 30]
  respond json(xs[-1]) }
"""


def test_index_in_bounds_and_out_of_bounds():
    setup = O("binding") + O("list") + 3 * O("literal")
    out = run(INDEX, "/in")
    assert body_of(out) == "30"
    assert out.gas_used == respond_json_cost("30") + setup + O("index") + O("read") + O("literal")
    out = run(INDEX, "/past")
    assert (out.response.status, body_of(out)) == (500, '{"error":"IndexOutOfBounds","index":3,"length":3}')
    assert out.gas_used == O("respond") + L("json") + setup + O("index") + O("read") + O("literal")
    out = run(INDEX, "/neg")
    assert body_of(out) == '{"error":"IndexOutOfBounds","index":-1,"length":3}'


# ---------------------------------------------------------------- gas exhaustion
def add_charges() -> list[int]:
    """The charges of GET /add, in pre-order."""
    return [O("respond"), L("json"), O("call"), O("literal"), O("literal"), O("+"), O("read"), O("read")]


def test_gas_exhausted_at_every_limit():
    charges = add_charges()
    prefix = []
    total = 0
    for c in charges:
        total += c
        prefix.append(total)
    for limit in range(1, total + 1):
        out = run(ADD, "/add", limit=limit)
        used = next(p for p in prefix if p >= limit)
        assert out.response.status == 500
        assert body_of(out) == f'{{"error":"GasExhausted","gasLimit":{limit},"gasUsed":{used}}}'
        assert out.gas_used == used
    out = run(ADD, "/add", limit=total + 1)
    assert (out.response.status, out.gas_used) == (200, total)


def test_gas_limit_one():
    out = run(ADD, "/add", limit=1)
    assert body_of(out) == f'{{"error":"GasExhausted","gasLimit":1,"gasUsed":{O("respond")}}}'


def test_gas_limit_out_of_range():
    with pytest.raises(ValueError):
        run(ADD, "/add", limit=0)
    with pytest.raises(ValueError):
        run(ADD, "/add", limit=gas.MAX_GAS_LIMIT + 1)


# ---------------------------------------------------------------- tail calls and depth
TAIL = """
function loop(n: number, acc: number): number { if (n == 0) { acc } else { loop(n - 1, acc + 1) } }
function even(n: number): boolean { if (n == 0) { true } else { odd(n - 1) } }
function odd(n: number): boolean { if (n == 0) { false } else { even(n - 1) } }
function viaValue(n: number, acc: number): number {
  const f = viaValue
  if (n == 0) { acc } else { f(n - 1, acc + 2) }
}
function nestedLoop(n: number): number {
  function go(i: number, acc: number): number { if (i == 0) { acc } else { go(i - 1, acc + 3) } }
  go(n, 0)
}
api GET "/loop" { respond json(loop(1000000, 0)) }
api GET "/even" { respond json(even(1000000)) }
api GET "/odd" { respond json(odd(1000001)) }
api GET "/value" { respond json(viaValue(1000000, 0)) }
api GET "/nested" { respond json(nestedLoop(1000000)) }
"""
N = 1_000_000


def test_self_tail_recursion_million_exact_gas():
    out = run(TAIL, "/loop", limit=BIG)
    assert body_of(out) == str(N)
    test = O("if") + O("==") + O("read") + O("literal")
    step = test + (O("-") + O("read") + O("literal")) + (O("+") + O("read") + O("literal"))   # tail call: 0
    last = test + O("read")
    assert out.gas_used == respond_json_cost(str(N)) + O("call") + 2 * O("literal") + N * step + last


def test_mutual_tail_recursion_million():
    out = run(TAIL, "/even", limit=BIG)
    assert body_of(out) == "true"
    step = O("if") + O("==") + O("read") + O("literal") + O("-") + O("read") + O("literal")
    last = O("if") + O("==") + O("read") + O("literal") + O("literal")
    assert out.gas_used == respond_json_cost("true") + O("call") + O("literal") + N * step + last
    assert body_of(run(TAIL, "/odd", limit=BIG)) == "true"


def test_tail_calls_through_function_values_and_nested_functions():
    assert body_of(run(TAIL, "/value", limit=BIG)) == str(2 * N)
    assert body_of(run(TAIL, "/nested", limit=BIG)) == str(3 * N)


DEEP = """
function deep(n: number): number { if (n == 0) { 0 } else { 1 + deep(n - 1) } }
function viaFold(n: number): number {
  if (n == 0) { 0 } else { List.fold([n], 0, (acc, x) => viaFold(x - 1)) }
}
api GET "/deep/:n" { respond json(deep(Option.unwrapOr(String.toNumber(request.params.n), 0))) }
api GET "/fold/:n" { respond json(viaFold(Option.unwrapOr(String.toNumber(request.params.n), 0))) }
"""


def test_depth_limit_non_tail_recursion():
    recursion_limit = sys.getrecursionlimit()
    out = run(DEEP, "/deep/999")              # 1000 nested calls
    assert (out.response.status, body_of(out)) == (200, "999")
    out = run(DEEP, "/deep/1000")             # the 1001st nested call
    assert (out.response.status, body_of(out)) == (500, '{"error":"DepthExceeded","limit":1000}')
    handler = (O("respond") + L("json") + O("call") + O("read") + O("field") + O("field")
               + L("Option.unwrapOr") + L("String.toNumber") + O("literal"))
    level = O("if") + O("==") + O("read") + O("literal") + O("+") + O("literal") + O("call") + O("-") \
        + O("read") + O("literal")
    assert out.gas_used == handler + 1000 * level
    assert sys.getrecursionlimit() == recursion_limit


def test_depth_limit_counts_library_callbacks():
    assert body_of(run(DEEP, "/fold/999")) == "0"
    assert body_of(run(DEEP, "/fold/1000")) == '{"error":"DepthExceeded","limit":1000}'


# ---------------------------------------------------------------- equality and closures
CLOSURES = """
function adder(k: number): (number) => number { (x) => x + k }
function other(k: number): (number) => number { (x) => x + k }
function scaler(k: number): (number) => number {
  function f(x: number): number { x * k }
  f
}
function add(a: number, b: number): number { a + b }
api GET "/c" {
  respond json([adder(1) == adder(1), adder(1) == adder(2), adder(1) == other(1), adder(1) != adder(2),
                scaler(2) == scaler(2), scaler(2) == scaler(3), add == add, adder(5)(2) == 7])
}
api GET "/gas" { respond json(adder(1) == adder(1)) }
"""


def test_closure_equality():
    assert body_of(run(CLOSURES, "/c")) == "[true,false,false,true,true,false,true,true]"


def test_closure_equality_gas():
    out = run(CLOSURES, "/gas")
    make = O("call") + O("literal") + O("lambda")
    assert out.gas_used == respond_json_cost("true") + O("==") + 2 * make + sur(1)


def nested_lists(values: list[int]) -> str:
    return "[" + ", ".join(f"[{v}]" for v in values) + "]"


def test_composite_equality_surcharge():
    left, right = nested_lists([1] * 16), nested_lists([1] * 16)
    src = f'api GET "/" {{ respond json({left} == {right}) }}'
    out = run(src)
    assert body_of(out) == "true"
    one_list = O("list") + 16 * (O("list") + O("literal")) + sur(16)
    assert out.gas_used == respond_json_cost("true") + O("==") + 2 * one_list + sur(17)


def test_equality_visit_count_definition():
    # the outer list, then each inner list until the first difference
    assert _equal(((1,), (2,)), ((1,), (3,))) == (False, 3)
    assert _equal(((1,),) * 16, ((1,),) * 16) == (True, 17)
    assert _equal((), ()) == (True, 1)
    # records in field order, union values with fields, maps (key then value)
    r1 = Record({"a": (1,), "b": Variant("Option", "Some", (2,))})
    r2 = Record({"a": (1,), "b": Variant("Option", "Some", (2,))})
    assert _equal(r1, r2) == (True, 3)
    assert _equal(Variant("Option", "None", ()), Variant("Option", "None", ())) == (True, 0)
    m1 = MtpMap.from_pairs([("k", (1,))])
    assert _equal(m1, MtpMap.from_pairs([("k", (1,))])) == (True, 2)
    assert _equal(1, 1) == (True, 0)


# ---------------------------------------------------------------- match
MATCH = """
type Color = Red | Green | Blue | Custom(string)
function name(c: Color): string {
  match c { Red => "r", Green => "g", Blue => "b", Custom(s) => s }
}
function sign(n: number): string { match n { -1 => "minus one", 0 => "zero", _ => "other" } }
function where(p: { x: number, y: number }): string {
  match p { { x: 0, y: 0 } => "origin", { x: 0 } => "y-axis", { y } => if (y < 0) { "below" } else { "other" } }
}
function dec(d: Decimal): string { match d { 1.50 => "one-fifty", -0.5 => "minus half", _ => "else" } }
function deepest(o: Option<Option<number>>): number { match o { Some(Some(x)) => x, Some(None) => -1, None => -2 } }
api GET "/blue" { respond text(name(Blue)) }
api GET "/custom" { respond text(name(Custom("zz"))) }
api GET "/all" {
  respond json([sign(-1), sign(0), sign(5), where({ x: 0, y: 0 }), where({ x: 0, y: 3 }), where({ x: 1, y: -3 }),
                where({ y: 2, x: 2 }), dec(1.5), dec(-0.50), dec(2.0)])
}
api GET "/opt" { respond json([deepest(Some(Some(7))), deepest(Some(None)), deepest(None)]) }
"""


def test_match_union_arms_tried_in_order():
    out = run(MATCH, "/blue")
    assert out.response.headers == {"content-type": "text/plain; charset=utf-8"}
    assert body_of(out) == "b"
    assert out.gas_used == (O("respond") + L("text") + O("call") + O("ctor") + O("match") + O("read")
                            + 3 * O("match_case") + O("literal"))
    out = run(MATCH, "/custom")
    assert body_of(out) == "zz"
    assert out.gas_used == (O("respond") + L("text") + O("call") + O("ctor") + O("literal") + O("match")
                            + O("read") + 4 * O("match_case") + O("read"))


def test_match_literal_record_decimal_and_nested_patterns():
    assert json.loads(body_of(run(MATCH, "/all"))) == [
        "minus one", "zero", "other", "origin", "y-axis", "below", "other", "one-fifty", "minus half", "else"]
    assert body_of(run(MATCH, "/opt")) == "[7,-1,-2]"


# ---------------------------------------------------------------- static initialisation
CONSTS = """
const A: number = B + 1
const B: number = 2
api GET "/" { respond json(A) }
"""


def test_constants_evaluated_after_dispatch_and_lazily_in_order():
    init = O("binding") + O("+") + O("read") + O("binding") + O("literal") + O("literal")
    out = run(CONSTS, "/")
    assert body_of(out) == "3"
    assert out.gas_used == init + respond_json_cost("3") + O("read")
    out = run(CONSTS, "/missing")
    assert out.response.status == 404
    assert out.gas_used == 0
    # A's OP_VAR_DECL, `+`, the read of B, then B's initialisation at that point
    limit = O("binding") + O("+") + O("read")
    out = run(CONSTS, "/", limit=limit)
    assert body_of(out) == f'{{"error":"GasExhausted","gasLimit":{limit},"gasUsed":{limit}}}'


# ---------------------------------------------------------------- effects
EFFECTS = """
function load(): Result<List<Json>, DbError> uses { DbRead } { DbRead.query("select 1", [JsonInt(1)]) }
api GET "/e" uses { DbRead, Log, Async } {
  Log.info("hi", { a: 1 })
  const r = await HttpOut.get("https://x")
  match load() {
    Ok(rows) => respond json({ rows: rows, http: r }),
    Err(e) => respond status(500, json(e))
  }
}
"""


def test_effects_go_through_the_host_and_are_journaled():
    host = FixtureHost()
    out = run(EFFECTS, "/e", host=host)
    body = '{"http":{"ok":{"body":"","status":200}},"rows":[]}'
    assert body_of(out) == body
    assert host.journal == [
        (0, "Log.info", ("hi", Record({"a": 1}))),
        (1, "HttpOut.get", ("https://x",)),
        (2, "DbRead.query", ("select 1", (Variant("Json", "JsonInt", (1,)),))),
    ]
    log = L("Log.info") + O("literal") + O("record") + O("literal")
    http = O("binding") + O("await") + L("HttpOut.get") + O("literal")
    load = O("call") + L("DbRead.query") + O("literal") + O("list") + O("ctor") + O("literal")
    arm = O("match_case") + O("respond") + L("json") + O("record") + 2 * O("read") + sur(len(body))
    assert out.gas_used == log + http + O("match") + load + arm


def test_fixture_results_and_python_errors_surface():
    rows = (Variant("Json", "JsonInt", (5,)),)
    out = run(EFFECTS, "/e", host=FixtureHost({"DbRead.query": [ok(rows)]}))
    assert '"rows":[5]' in body_of(out)

    class Broken(FixtureHost):
        def perform(self, op, args):
            raise RuntimeError("host bug")

    with pytest.raises(RuntimeError, match="host bug"):
        run(EFFECTS, "/e", host=Broken())


# ---------------------------------------------------------------- standard library
STDLIB = """
api GET "/strings" {
  respond json([Number.toString(String.length("h\u00e9llo\U0001F600")), String.slice("h\u00e9llo\U0001F600", 1, 6),
                String.slice("abc", -5, 99), String.slice("abc", 2, 1), String.toUpper("abc"),
                String.toLower("ABC"), String.fromNumber(-12)])
}
api GET "/split" { respond json([String.split("a,b,,c", ","), String.split("ab", "")]) }
api GET "/tonumber" {
  respond json([String.toNumber("-42"), String.toNumber("4x"), String.toNumber("9223372036854775808"),
                String.toNumber("")])
}
api GET "/lists" {
  respond json({ range: List.range(2, 6), rev: List.reverse([1, 2, 3]), sorted: List.sort(["b", "a", "\u00e9", "B"]),
                 nums: List.sort([3, -1, 2]), joined: List.join(["a", "b", "c"], "-"),
                 contains: List.contains([[1], [2]], [2]), get: [List.get([1], 0), List.get([1], 1)],
                 append: List.append([1], 2), concat: List.concat([1], [2, 3]),
                 filtered: List.filter([1, 2, 3, 4], (x) => x % 2 == 0),
                 folded: List.fold([1, 2, 3], 10, (acc, x) => acc * x) })
}
api GET "/map" {
  const m = Map.set(Map.set(Map.set(Map.empty(), "b", 1), "a", 2), "b", 3)
  respond json({ m: m, size: Map.size(m), has: Map.has(m, "a"), get: Map.get(m, "zz"),
                 removed: Map.remove(m, "a") })
}
api GET "/option" {
  respond json({ a: Option.map(Some(1), (x) => x + 1), b: Option.unwrapOr(None, 5), c: Option.isSome(Some(0)),
                 d: Result.unwrapOr(Result.map(Ok(1), (x) => x * 10), 0), e: Result.isOk(Err("e")),
                 f: Result.unwrapOr(Result.mapErr(Err(1), (e) => e + 1), 0), g: Number.abs(-4),
                 h: Number.min(3, -3), i: Number.max(3, -3) })
}
api GET "/decimal" {
  respond json({ a: 0.1 + 0.2, b: Decimal.div(1.0, 3.0), c: Decimal.div(1.0, 0.0), d: Decimal.round(2.345, 2),
                 e: Decimal.round(2.355, 2), f: Decimal.compare(1.50, 1.5), g: Decimal.fromString("12.50"),
                 h: Decimal.fromString("x"), i: Decimal.toString(-0.500), j: Decimal.fromNumber(7) - 0.25, k: -1.25 })
}
api GET "/decimal-overflow" { respond json(999999999999999999999999999999999.9 * 100.0) }
api GET "/json" {
  respond json({ a: Json.parse("{\\"b\\": [1, 2.50, null], \\"a\\": true}"), b: Json.parse("{\\"a\\":1,\\"a\\":2}"),
                 c: Json.from({ x: Some(1), y: None }) })
}
api GET "/stringify" { respond text(Json.stringify({ b: [1, 2], a: "\u00e9" })) }
api GET "/hash" { respond text(Hash.sha256("abc")) }
api GET "/hashes" { respond json([Hash.fnv1a64("abc"), Hash.cbor([1, 2]), Hash.of([1, 2])]) }
api GET "/map-cb" { respond json(List.map([1, 2, 3], (x) => x + 1)) }
api GET "/concat" { respond text("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" + "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb") }
api GET "/range-cap" { respond json(List.length(List.range(0, 1000001))) }
api GET "/scale" { respond json(Decimal.round(1.5, 29)) }
api GET "/bad-status" { respond status(700, text("x")) }
api GET "/status" { respond status(201, text("made")) }
"""


def test_strings_count_code_points():
    assert json.loads(body_of(run(STDLIB, "/strings"))) == [
        "6", "\u00e9llo\U0001F600", "abc", "", "ABC", "abc", "-12"]
    assert body_of(run(STDLIB, "/split")) == '[["a","b","","c"],["a","b"]]'
    assert body_of(run(STDLIB, "/tonumber")) == "[-42,null,null,null]"


def test_lists():
    assert json.loads(body_of(run(STDLIB, "/lists"))) == {
        "range": [2, 3, 4, 5], "rev": [3, 2, 1], "sorted": ["B", "a", "b", "\u00e9"], "nums": [-1, 2, 3],
        "joined": "a-b-c", "contains": True, "get": [1, None], "append": [1, 2], "concat": [1, 2, 3],
        "filtered": [2, 4], "folded": 60}


def test_maps_options_results_numbers():
    assert body_of(run(STDLIB, "/map")) == '{"get":null,"has":true,"m":{"a":2,"b":3},"removed":{"b":3},"size":2}'
    assert body_of(run(STDLIB, "/option")) == '{"a":2,"b":5,"c":true,"d":10,"e":false,"f":0,"g":4,"h":-3,"i":3}'


def test_decimals():
    assert body_of(run(STDLIB, "/decimal")) == (
        '{"a":0.3,"b":{"ok":0.3333333333333333333333333333},"c":{"err":"DivisionByZero"},"d":2.34,"e":2.36,'
        '"f":0,"g":{"ok":12.5},"h":{"err":{"InvalidDecimal":"x"}},"i":"-0.5","j":6.75,"k":-1.25}')
    out = run(STDLIB, "/decimal-overflow")
    assert (out.response.status, body_of(out)) == (500, '{"error":"DecimalOverflow"}')
    assert body_of(run(STDLIB, "/scale")) == '{"error":"DecimalScaleOutOfRange","scale":29}'


def test_json_and_hash():
    assert body_of(run(STDLIB, "/json")) == (
        '{"a":{"ok":{"a":true,"b":[1,2.5,null]}},"b":{"err":{"message":"duplicate key","offset":7}},'
        '"c":{"x":1,"y":null}}')
    assert body_of(run(STDLIB, "/stringify")) == '{"a":"\u00e9","b":[1,2]}'
    out = run(STDLIB, "/hash")
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert body_of(out) == digest
    assert out.gas_used == O("respond") + L("text") + L("Hash.sha256") + O("literal") + sur(len(digest))
    assert json.loads(body_of(run(STDLIB, "/hashes")))[1] == "820102"


def test_callbacks_and_surcharges_exact_gas():
    out = run(STDLIB, "/map-cb")
    assert body_of(out) == "[2,3,4]"
    callback = O("call") + O("+") + O("read") + O("literal")
    assert out.gas_used == (respond_json_cost("[2,3,4]") + L("List.map") + O("list") + 3 * O("literal")
                            + sur(3) + O("lambda") + 3 * callback + sur(3))
    out = run(STDLIB, "/concat")
    assert out.gas_used == O("respond") + L("text") + O("concat") + 2 * O("literal") + sur(64)


def test_range_cap_and_status():
    assert body_of(run(STDLIB, "/range-cap")) == '{"error":"ListTooLong","limit":1000000}'
    out = run(STDLIB, "/bad-status")
    assert (out.response.status, body_of(out)) == (500, '{"error":"InvalidStatus","status":700}')
    out = run(STDLIB, "/status")
    assert (out.response.status, body_of(out)) == (201, "made")
    assert out.response.headers == {"content-type": "text/plain; charset=utf-8"}
    assert out.gas_used == O("respond") + L("status") + O("literal") + L("text") + O("literal")
