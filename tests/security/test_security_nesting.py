"""Deeply nested data (spec/execution.md section 4.1): whatever the nesting of a value
or of an input text, both execution paths answer with the same deterministic error —
never StackExhausted (an engine stack overflow), never a Python RecursionError — and
the process keeps serving requests."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from mtpscript.compiler.modules import check_source
from mtpscript.runtime import dispatch
from mtpscript.runtime.dispatch import Request
from mtpscript.runtime.reference import FixtureHost, run_reference
from mtpscript.runtime.vm import Program
from mtpscript.runtime.wire import to_wire
from mtpscript.stdlib import json_codec
from mtpscript.stdlib.errors import MtpRuntimeError
from mtpscript.stdlib.values import MAX_NESTING, Variant, check_nesting, exceeds_nesting

TOO_DEEP = b'{"error":"ValueTooDeep","limit":256}'
GAS = 50_000_000

PROGRAM = """
type Tree = Leaf | Node(Tree) | Many(List<Tree>)
function build(n: number, acc: Tree): Tree {
  if (n <= 0) { acc } else { build(n - 1, Node(acc)) }
}
function num(s: string): number { String.toNumber(s) |> Option.unwrapOr(0) }
api GET "/json/:n" { respond json(build(num(request.params.n), Leaf)) }
api GET "/stringify/:n" { respond text(Json.stringify(build(num(request.params.n), Leaf))) }
api GET "/eq/:n" { respond json(build(num(request.params.n), Leaf) == build(num(request.params.n), Leaf)) }
api GET "/ne/:n" { respond json(build(num(request.params.n), Leaf) != build(num(request.params.n), Many([]))) }
api GET "/contains/:n" {
  const t = build(num(request.params.n), Leaf)
  respond json(List.contains([Leaf, t], t))
}
api GET "/hash/:n" { respond json(Hash.of(build(num(request.params.n), Leaf))) }
api GET "/cbor/:n" { respond json(String.length(Hash.cbor(build(num(request.params.n), Leaf)))) }
api GET "/sha/:n" { respond json(Hash.sha256(Json.stringify(build(num(request.params.n), Leaf)))) }
api GET "/from/:n" { respond json(Json.from(build(num(request.params.n), Leaf))) }
api GET "/key/:n" { respond json(Map.has(Map.set(Map.empty(), build(num(request.params.n), Leaf), 1), Leaf)) }
api GET "/lists/:n" {
  const v = List.fold(List.range(0, num(request.params.n)), Many([]), (acc: Tree, i: number) => Many([acc]))
  respond json(v == v)
}
api GET "/log/:n" uses { Log } {
  Log.info("v", build(num(request.params.n), Leaf))
  respond json(0)
}
api POST "/body" { respond json(request.body) }
api GET "/ok" { respond json(1) }
"""

ROUTES = ["json", "stringify", "eq", "ne", "contains", "hash", "cbor", "sha", "from", "key", "lists", "log"]


@pytest.fixture(scope="module")
def programs():
    check = check_source(PROGRAM, "nesting.mtp")
    return check, Program.from_check(check)


def both(programs, request: Request):
    check, program = programs
    vm = program.handle(request, GAS, FixtureHost())
    ref = run_reference(check, request, GAS, FixtureHost())
    assert (vm.response.status, vm.response.body, vm.gas_used) == \
        (ref.response.status, ref.response.body, ref.gas_used)
    return vm


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("n", [300, 5_000, 30_000])   # (far larger values hit the heap limit first)
def test_deep_values_are_value_too_deep_in_both_paths(programs, route, n):
    out = both(programs, Request("GET", f"/{route}/{n}"))
    assert out.response.status == 500
    assert out.response.body == TOO_DEEP, out.response.body[:200]
    assert out.gas_used > 0                      # a guest error, not an engine backstop
    assert both(programs, Request("GET", "/ok")).response.body == b"1"   # the process serves on


@pytest.mark.parametrize("route", ["json", "eq", "hash", "contains"])
def test_at_the_limit_is_fine(programs, route):
    out = both(programs, Request("GET", f"/{route}/{MAX_NESTING}"))
    assert out.response.status == 200


@pytest.mark.parametrize("depth", [128, 1_000, 100_000])
def test_deep_request_body_is_bad_request(programs, depth):
    body = ("[" * depth + "]" * depth).encode()
    out = both(programs, Request("POST", "/body", body=body))
    assert out.response.status == 400
    assert out.gas_used == 0
    field = re.search(rb'"field":"([^"]*)"', out.response.body).group(1)
    assert field == b"$" + b"[0]" * 127


def test_json_parse_any_depth_is_an_err_without_recursion():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)                   # the parser must not need the Python stack
    try:
        for text in ["[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000]:
            r = json_codec.parse(text)
            assert r.name == "Err" and r.fields[0]["message"] == "nesting too deep"
            assert r.fields[0]["offset"] == (127 if text[0] == "[" else 127 * 5)
        with pytest.raises(dispatch.BadRequest):
            dispatch.parse_body(b"[" * 100_000 + b"]" * 100_000)
    finally:
        sys.setrecursionlimit(old)
    deepest = json_codec.parse("[" * 127 + "1" + "]" * 127).fields[0]
    assert not exceeds_nesting(deepest, 2)      # fits in the request record too


def _tree(n: int) -> Variant:
    v = Variant("T", "Leaf", ())
    for _ in range(n):
        v = Variant("T", "Node", (v,))
    return v


def test_host_side_refuses_instead_of_recursing():
    deep = _tree(100_000)
    with pytest.raises(MtpRuntimeError) as e:
        to_wire(deep)
    assert e.value.code == "ValueTooDeep"
    with pytest.raises(MtpRuntimeError):
        check_nesting(deep)
    with pytest.raises(MtpRuntimeError):
        json_codec.json_from(deep)
    assert to_wire(_tree(MAX_NESTING))["v"] == "Node"


def test_prelude_limit_is_the_python_limit():
    prelude = (Path(__file__).resolve().parents[2] / "compiler" / "prelude.js").read_text()
    assert f"const $NEST = {MAX_NESTING};" in prelude


DEEP_CALLS = """
type Tree = Leaf | Node(Tree)
function build(n: number, acc: Tree): Tree {
  if (n <= 0) { acc } else { build(n - 1, Node(acc)) }
}
function down(n: number, t: Tree): number uses { Log } {
  if (n <= 0) {
    const s = Json.stringify(t)
    const e = t == t
    const h = Hash.of(t)
    const m = Map.set(Map.empty(), t, 1)
    const j = Json.from(build(127, Leaf))
    Log.info("t", t)
    String.length(s) + String.length(h) + Map.size(m)
  } else { 1 + down(n - 1, t) }
}
api GET "/t" uses { Log } { respond json(down(998, build(256, Leaf))) }
"""


def test_walks_at_the_limit_under_the_deepest_call_stack():
    """999 nested guest calls, then every walk of a value nested exactly 256 levels:
    the engine stack (and the host's Python stack) must hold (spec/execution.md 4.1)."""
    check = check_source(DEEP_CALLS, "deep_calls.mtp")
    out = both((check, Program.from_check(check)), Request("GET", "/t"))
    assert out.response.status == 200, out.response.body[:200]
