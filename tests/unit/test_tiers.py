"""The two execution tiers of the lowering (spec/execution.md section 12).

The fast tier merges gas charges per region and keeps numbers as JS Numbers; it must
never change a response. These tests hold the shipped (fast + precise) program to the
precise tier alone at EVERY gas limit from 1 to one past the gas the request needs, so
each exhaustion point inside every merged region is hit; they also check that the fast
tier really finishes the requests it should, that effects run once when a request is
rerun, and that numbers beyond 2^53 take the precise tier.
"""

from __future__ import annotations

import json
import re

import pytest

from mtpscript.compiler import gas
from mtpscript.compiler.lowering import lower_program
from mtpscript.compiler.manifest import build_manifest
from mtpscript.compiler.modules import check_source
from mtpscript.runtime.dispatch import Request
from mtpscript.runtime.engine import SealedVM, compile_js
from mtpscript.runtime.reference import FixtureHost, run_reference
from mtpscript.runtime.vm import VM_STACK_BYTES, Program
from mtpscript.runtime.wire import to_wire
from mtpscript.runtime import dispatch

PROGRAMS = {
    "branches": '''
function fib(n: number): number { if (n < 2) { n } else { fib(n - 1) + fib(n - 2) } }
function pick(x: number): string {
  match x { 0 => "zero", 1 => "one", _ => if (x > 5 && x < 9 || x == 13) { "mid" } else { "other" } }
}
api GET "/t" {
  const xs = List.map(List.range(0, 8), (i: number) => pick(i) + String.fromNumber(fib(i)))
  respond json({ xs: xs, n: List.fold(xs, 0, (acc: number, s: string) => acc + String.length(s)) })
}
''',
    "unions_and_closures": '''
type Shape = Circle(number) | Rect(number, number)
function area(s: Shape): number { match s { Circle(r) => 3 * r * r, Rect(w, h) => w * h } }
function adder(k: number): (number) => number { (x: number) => x + k }
api GET "/t" {
  const shapes = [Circle(2), Rect(3, 4), Circle(1)]
  const f = adder(10)
  respond json({ total: List.fold(shapes, 0, (a: number, s: Shape) => a + area(s)), f: f(5), same: adder(1) == adder(1) })
}
''',
    "errors_after_work": '''
function count(n: number, acc: number): number { if (n == 0) { acc } else { count(n - 1, acc + n) } }
api GET "/t" { respond json({ a: count(40, 0), b: [1, 2, 3][count(2, 0)], c: 7 / (count(3, 0) - 6) }) }
''',
    "effects": '''
function step(i: number): number uses { Log } { Log.info("step", { i: i }); i * 2 }
api GET "/t" uses { Log } {
  const a = step(1)
  const b = step(a + 1)
  respond json({ a: a, b: b, c: List.fold(List.range(0, 5), 0, (s: number, x: number) => s + x) })
}
''',
    "depth_mixed": '''
function leaf(x: number): number { x + 1 }
function down(n: number, f: (number) => number): number {
  if (n <= 0) { f(0) } else { leaf(down(n - 1, f)) + List.fold([1], 0, (a: number, b: number) => a + b) }
}
function viaClosure(n: number): number { if (n <= 0) { K } else { List.length(List.map([n], (x: number) => viaClosure(x - 1))) } }
const K: number = leaf(1)
api GET "/t" { respond json({ a: down(DEPTH, (x: number) => leaf(x)), b: viaClosure(DEPTH / 2) }) }
''',
    "common_arithmetic": '''
function walk(i: number, acc: number, k: number): number {
  if (i <= 0) { acc + k } else { walk(i - 1, acc + (i - 1) * 2, k + (i - 1) * 2) }
}
function swap(a: number, b: number, n: number): number {
  if (n == 0) { a * 10 + b } else { swap(b + (a - b), a + (b - a) + 1, n - 1) }
}
function pair(d: number, v: number): List<number> { [d - 1, v * 2, d - 1 + v * 2, (v * 2) * (d - 1)] }
function pick(x: number): (number) => number { if (x + 1 > 3) { (y: number) => y + x + 1 } else { (y: number) => y - (x + 1) } }
function pick2(v: number): (number) => number { if (v > 3) { (y: number) => y * 2 } else { (y: number) => y + 1 } }
function viaTail(x: number): number { pick2(x - 2)(x - 2) }
function walk2(i: number, acc: number): number {
  if (i <= 0) { acc } else { walk2(i - 1, acc * 2 + (if (i - 1 > 2) { 1 } else { 0 })) }
}
api GET "/t" {
  const x = 7
  const a = pair(x + 1, x * 3 - 1)
  const b = if (x > 3) { (x - 1) * (x - 1) } else { x - 1 }
  const f = (y: number) => (y - 1) * (y - 1) + (y - 1)
  const c = List.map([x - 1, x + 1], (y: number) => (y - 1) * (y - 1) + y - 1)
  respond json({ w: walk(5, 0, 1), s: swap(1, 2, 3), a: a, b: b, f: f(x - 1), c: c, p: pick(x - 1)(x - 1), q: pick(1)(x - 1),
                 w2: walk2(6, 0), p2: pick2(x - 2)(x - 2), t2: viaTail(x) })
}
''',
    "recursive_entry_charges": '''
type Tree = Leaf | Node(Tree, number, Tree)
function build(d: number): Tree { if (d == 0) { Leaf } else { Node(build(d - 1), d, build(d - 1)) } }
function sum(t: Tree): number { match t { Leaf => 0, Node(l, v, r) => sum(l) + v + sum(r) } }
function pre(n: number): number {
  const k = n * 2
  if (n <= 0) { k } else { pre(n - 1) + k }
}
function eager(n: number): number { const k = pre(1)
  if (n <= 0) { k } else { eager(n - 1) + 1 } }
function mixed(n: number, acc: number): number {
  if (n <= 0) { acc } else if (n % 3 == 0) { mixed(n - 1, acc + 1) } else { mixed(n - 1, acc) + 1 }
}
api GET "/t" {
  const f = (x: number) => pre(x)
  respond json({ s: sum(build(3)), p: pre(4), e: eager(3), m: mixed(7, 0), f: List.map([1, 2], f) })
}
''',
    "callbacks": '''
function inc(x: number): number { x + 1 }
function odd(x: number): boolean { x % 2 == 1 }
api GET "/t" {
  const xs = List.range(0, 6)
  const a = List.map(xs, (x: number) => x * 2)
  const b = List.map(xs, (x: number) => inc(x))
  const c = List.filter(a, (x: number) => x % 4 == 0)
  const d = List.filter(b, (x: number) => odd(x))
  const e = List.fold(xs, 0, (s: number, x: number) => s + x)
  const f = List.fold(xs, 0, (s: number, x: number) => inc(s))
  const g = List.map(List.range(0, 0), (x: number) => x)
  const h = List.map(xs, (x: number) => { const y = x * 3; if (y > 6) { y - 1 } else { y + inc(x) } })
  const k = List.fold(xs, 0, (s: number, x: number) => if (x % 2 == 0) { s + x } else { s })
  const m = List.filter(xs, (x: number) => { const y = x * x; y > 3 && odd(y) })
  respond json({ a: a, b: b, c: c, d: d, e: e, f: f, g: g, h: h, k: k, m: m })
}
''',
    "tail_loops": '''
function rot(a: number, b: number, c: number, n: number): number {
  if (n == 0) { a * 100 + b * 10 + c } else { rot(b, c, a, n - 1) }
}
function fibs(a: number, b: number, n: number): number { if (n == 0) { a } else { fibs(b, a + b, n - 1) } }
function squares(i: number, s: number): number { if (i == 0) { s } else { squares(i - 1, s + i * i) } }
function keep(i: number, s: string): string { if (i == 0) { s } else { keep(i - 1, s) } }
api GET "/t" { respond json({ r: rot(1, 2, 3, 4), f: fibs(0, 1, 12), s: squares(6, 0), k: keep(3, "x") }) }
''',
    "counted_loops": '''
function down(i: number, acc: number): number { if (i == 0) { acc } else { down(i - 1, acc + i * i) } }
function downNe(i: number, acc: number): number { if (i != 0) { downNe(i - 1, acc - 3) } else { acc * 2 } }
function up(i: number, n: number, c: number, acc: number): number {
  const x = i * c
  if (i >= n) { acc + x } else { up(i + 2, n, c, x + acc) }
}
function upMirrored(i: number, n: number, acc: number): number { if (n > i) { upMirrored(i + 1, n, acc + n % (i + 1)) } else { acc } }
function byThree(i: number, a: number, b: number): number { if (i <= 0) { a - b } else { byThree(i - 3, a + i / 2, b - 1) } }
function near(i: number, acc: number): number { if (i == 0) { acc } else { near(i - 1, acc + 1125899906842624) } }
function viaMatch(i: number, acc: number): number { match (i < 1) { true => acc - i, false => viaMatch(i - 1, i * 3 - acc) } }
api GET "/t" {
  respond json([down(6, 0), downNe(4, 1), up(0, 7, -5, 3), upMirrored(0, 5, 0), byThree(10, 0, 0), byThree(-2, 1, 1),
                near(3, 0), near(5, 1), near(2, 4503599627370496), down(-1 + 1, 9007199254740991), viaMatch(7, 2)])
}
''',
    "big_numbers": '''
function twice(n: number): number { n + n }
api GET "/t" {
  respond json({ a: twice(4611686018427387903), b: 9007199254740991 + 1, c: -9223372036854775807 - 1,
                 d: Json.parse("-9223372036854775808"), e: Json.parse("[-9007199254740992, 9007199254740992]") })
}
''',
}


# Recursion whose depth a decreasing parameter bounds (spec/execution.md section 12 rule
# 3: a `$n` body without depth tests), entered from different depths.
PROGRAMS["depth_ranked"] = '''
function down(n: number): number { if (n <= 0) { 0 } else { 1 + down(n - 1) } }
function pair(n: number, m: number): number { if (n < 3 || m < 0) { m } else { pair(n - 2, m + 1) - pair(n - 3, m) } }
function wrap(k: number, n: number): number { if (k <= 0) { down(n) } else { wrap(k - 1, n) + 1 } }
function eq(n: number): number { if (n == 0) { 0 } else { eq(n - 1) + 2 } }
type Chain = End | Link(number, Chain)
function chain(n: number): Chain { if (n <= 0) { End } else { Link(n, chain(n - 1)) } }
function size(c: Chain): number { match c { End => 0, Link(_, rest) => 1 + size(rest) } }
api GET "/t" {
  respond json([down(DEPTH - 1), wrap(3, DEPTH - 4), wrap(DEPTH / 2, DEPTH / 2 - 1), pair(DEPTH / 50, 0), eq(DEPTH - 2),
                size(chain(DEPTH - 3)),
                List.length(List.map([DEPTH - 2], (x: number) => down(x))), down(DEPTH)])
}
'''


# List pipelines the fast tier runs as one loop (spec/execution.md section 12 rule 7):
# from a range or a list, through maps and filters, into a fold, a count or a list; one whose
# lambdas branch (and charge inside); empty ones; and one fused only above a step whose
# lambda calls a function. DEPTH_PIPELINE runs one with its callbacks at the depth limit.
PROGRAMS["pipelines"] = '''
api GET "/t" {
  const k = 7
  const xs = [3, -4, 5, 2251799813685000, 0]
  const a = List.range(0, 12) |> List.map((x: number) => x * k) |> List.filter((x: number) => x % 3 != 0)
    |> List.fold(1, (s: number, x: number) => s + x)
  const b = xs |> List.filter((x: number) => x > 0) |> List.map((x: number) => if (x > 4) { x - k } else { x * 2 })
  const c = [List.range(5, 5) |> List.fold(0, (s: number, x: number) => s + x),
             List.range(0, 40) |> List.filter((x: number) => x % 2 == 0) |> List.fold(0, (s: number, x: number) => s + x)]
  const d = List.range(-3, 3) |> List.filter((x: number) => x != 0 && x != 2) |> List.map((x: number) => 100 / x + k * x - k * x)
  const e = List.range(0, 4) |> List.map((x: number) => { const y = x * x; y + 1 }) |> List.filter((x: number) => x > 100)
  const f = List.range(0, 6) |> List.map((x: number) => Number.abs(x - 3)) |> List.filter((x: number) => x > 0)
    |> List.fold(0, (s: number, x: number) => s * 2 + x)
  const g = [xs |> List.filter((x: number) => x > 0) |> List.length, List.range(2, 40) |> List.map((x: number) => x * x)
             |> List.length, List.range(0, 3) |> List.length]
  const h = [xs |> List.map((x: number) => x - k), List.range(-2, 3) |> List.map((x: number) => x * k)]
  respond json({ a: a, b: b, c: c, d: d, e: e, f: f, g: g, h: h })
}
'''
# Names bound by patterns: read once (the fast tier reads the matched value in place), read
# twice, nested, from a record pattern, captured by a lambda, and in self tail loops, which
# reassign their parameters (there every name keeps a `const`: walk's tail call passes `l`
# for `t`, and `v`, read after that, must still be the old `t`'s).
PROGRAMS["pattern_reads"] = '''
type Tree = Leaf | Node(Tree, number, Tree)
function sum(t: Tree): number { match t { Leaf => 0, Node(l, v, r) => sum(l) + v + sum(r) } }
function twice(t: Tree): number { match t { Leaf => 0, Node(_, v, Node(_, w, _)) => v * v + w, Node(_, v, _) => v } }
function walk(t: Tree, acc: number): number { match t { Leaf => acc, Node(l, v, r) => walk(l, acc * 10 + v) } }
function rot(p: { a: number, b: number }, n: number): number { match p { { a, b } => if (n == 0) { a * 10 + b } else { rot({ a: b, b: a }, n - 1) } } }
function adder(t: Tree): (number) => number { match t { Leaf => (x: number) => x, Node(_, v, _) => (x: number) => x + v } }
api GET "/t" {
  const t = Node(Node(Leaf, 1, Leaf), 2, Node(Node(Leaf, 3, Leaf), 4, Leaf))
  const a = match { a: sum(t), b: 0 } { { a, b } => a - b }
  respond json([sum(t), twice(t), walk(t, 0), rot({ a: 1, b: 2 }, 3), adder(t)(a), a])
}
'''
# Base cases a self call tests itself (spec/execution.md section 12 rule 8): an `if`
# whose `then` or `else` is trivial (a parameter, a literal, a nullary constructor), a
# match whose first arm is a nullary constructor or a number literal, a negated test
# (and, left to the callee, one with `&&`, whose right operand charges only when it
# runs); looped's self tail call makes its base case charge something of its own, and
# div's argument fails where the base case is taken.
PROGRAMS["base_cases"] = '''
type Tree = Leaf | Node(Tree, number, Tree)
function fib(n: number): number { if (n < 2) { n } else { fib(n - 1) + fib(n - 2) } }
function above(n: number, m: number): boolean { if (!(n <= 3)) { above(n - 1, m) || n == m } else { false } }
function both(n: number, m: number): boolean { if (n > 3 && m != 0) { both(n - 1, m - 1) || n == 9 } else { false } }
function grow(d: number, v: number): Tree { if (d == 0) { Leaf } else { Node(grow(d - 1, v * 2), v, grow(d - 1, v * 2 + 1)) } }
function count(t: Tree): number { match t { Leaf => 0, Node(l, _, r) => count(l) + 1 + count(r) } }
function lit(n: number): number { match n { 0 => 7, _ => lit(n - 1) * 2 } }
function same(n: number, k: number): number { if (n <= 0) { k } else { same(n - 1, k + 1) + same(n - 2, k) } }
function looped(n: number): number { if (n <= 0) { 0 } else { looped(n - 1 - looped(0)) } }
function dec(n: number, d: Decimal): Decimal { if (n <= 0) { d } else { dec(n - 1, d * 2.5) + Decimal.round(-1.55, 1) } }
function swap(a: number, b: number): number { if (a <= 0) { b } else { swap(b, a - 1) + a } }
function neg(n: number, k: number): number { if (n <= 0) { k } else { neg(n - 1, -1) - k } }
api GET "/t" {
  const t = grow(3, 1)
  respond json({ f: fib(DEPTH), a: above(6, 5), b: both(6, 1), c: count(t), l: lit(4), s: same(6, 0), o: looped(5),
                 d: dec(3, 0.5), w: swap(3, 5), n: neg(3, 2) })
}
'''
PROGRAMS["base_case_arguments"] = '''
function div(d: number, z: number): number { if (d == 0) { 0 } else { div(d - 1, 10 / z) + 1 } }
api GET "/t" { respond json(div(2, 5) + div(1, 0)) }
'''
PROGRAMS["depth_pipeline"] = '''
function deep(n: number): number {
  if (n <= 0) { List.range(0, 3) |> List.map((x: number) => x + 1) |> List.fold(0, (a: number, x: number) => a + x) }
  else { deep(n - 1) + 1 }
}
api GET "/t" { respond json(deep(DEPTH - 2)) }
'''


# Recursion through a plain callback (in the fast tier, run by the native Array method),
# one library function per program so that none hides another's depth limit.
PLAIN_CALLBACK_RECURSION = '''
function viaMap(n: number): number {
  if (n <= 0) { 1 } else { List.fold(List.map([n], (x: number) => viaMap(x - 1) + 1), 0, (a: number, b: number) => a + b) }
}
function viaFilter(n: number): number {
  if (n <= 0) { 1 } else { List.length(List.filter([n], (x: number) => viaFilter(x - 1) > 0)) }
}
function viaFold(n: number): number {
  if (n <= 0) { 1 } else { List.fold([n], 0, (a: number, x: number) => a + viaFold(x - 1)) }
}
api GET "/t" { respond json(CALL(DEPTH / 2)) }
'''
for _name in ("viaMap", "viaFilter", "viaFold"):
    PROGRAMS[f"depth_{_name}"] = PLAIN_CALLBACK_RECURSION.replace("CALL", _name)


def _programs(src: str) -> tuple[object, Program, Program]:
    check = check_source(src, "tiers.mtp")
    assert not check.diagnostics, [str(d) for d in check.diagnostics]
    manifest = build_manifest(check, "tiers.mtp")
    shipped = Program.from_manifest(manifest, compile_js(lower_program(check), "program.js"))
    precise = Program.from_manifest(manifest, compile_js(lower_program(check, fast_tier=False), "program.js"))
    return check, shipped, precise


def _outcome(program: Program, gas_limit: int):
    host = FixtureHost()
    outcome = program.handle(Request("GET", "/t", {}, {}, b""), gas_limit, host)
    r = outcome.response
    return r.status, r.body, outcome.gas_used, [(op, repr(args)) for _, op, args in host.journal]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_every_gas_limit_gives_the_precise_outcome(name: str) -> None:
    check, shipped, precise = _programs(PROGRAMS[name].replace("DEPTH", "6"))
    full = _outcome(precise, 10_000_000)
    ref = run_reference(check, Request("GET", "/t", {}, {}, b""), 10_000_000, FixtureHost())
    assert (full[1], full[2]) == (ref.response.body, ref.gas_used)
    assert _outcome(shipped, 10_000_000) == full
    used = full[2]
    assert used > 20
    for limit in range(1, used + 2):
        assert _outcome(shipped, limit) == _outcome(precise, limit), f"{name} at gas limit {limit}"


def _tier_after(src: str, gas_limit: int = 10_000_000) -> tuple[int, dict]:
    """(the tier that produced the response, the outcome) for GET /t, run in a bare VM."""
    check = check_source(src, "tiers.mtp")
    js = lower_program(check)
    route = Program.from_check(check).routes[0]
    wire = to_wire(dispatch.request_value(route, {}, Request("GET", "/t", {}, {}, b"")))
    with SealedVM(max_stack_bytes=VM_STACK_BYTES) as vm:
        vm.install_host("$host", {"call": lambda name, args: json.dumps({"ok": None})})
        vm.run_bytecode(compile_js(js))
        outcome = json.loads(vm.call("$main", 0, json.dumps(wire), gas_limit))
        return outcome["tier"], outcome


def test_the_fast_tier_finishes_ordinary_requests() -> None:
    tier, outcome = _tier_after(PROGRAMS["branches"])
    assert (tier, outcome["status"]) == (1, 200)
    tier, outcome = _tier_after(PROGRAMS["unions_and_closures"])
    assert (tier, outcome["status"]) == (1, 200)
    tier, outcome = _tier_after(PROGRAMS["callbacks"])     # plain callbacks and ones that tail call
    assert (tier, outcome["status"]) == (1, 200)
    tier, outcome = _tier_after(PROGRAMS["common_arithmetic"])    # values computed once
    assert (tier, outcome["status"]) == (1, 200)
    js = lower_program(check_source(PROGRAMS["callbacks"], "tiers.mtp"))
    # a's and g's lambdas are written in place in their loops (spec/execution.md section 12 rule 7)
    assert js.count("$cloPlain((") == 2 * 7 - 2 and js.count("$clo((") == 2 * 3


def test_a_lambda_written_as_the_callback_has_its_entry_charge_paid_by_the_library() -> None:
    """List.map/filter/fold charge, with their callbacks' call cost, the charge a lambda
    written in the call starts with (its entry region, else the least of its tail
    branches'); the lambda charges only the rest. Every gas limit still gives the precise
    outcome (test_every_gas_limit_gives_the_precise_outcome[callbacks])."""
    js = lower_program(check_source(PROGRAMS["callbacks"], "tiers.mtp"))
    fast = js[js.index("// ---- fast tier"):js.index("// ---- precise tier")]
    made = re.findall(r'\}\), "tiers\.mtp:(\d+):\d+", \[\]\)(?:, (\d+))?\)', fast)
    prepaid = {int(line): int(cost or 0) for line, cost in made}
    assert all(prepaid[line] > 0 for line in range(7, 16) if line != 12)
    # a, a lone map with a one-expression lambda, and g, List.range |> List.map, run as loops
    # (rule 7) that write the lambda in place and charge the same per callback
    x_times_2 = gas.op_cost("read") + gas.op_cost("literal") + gas.op_cost("*")
    assert 6 not in prepaid and f"$c(($CALL_COST + {x_times_2}) * $n);" in fast
    assert 12 not in prepaid and f"$c(($CALL_COST + {gas.op_cost('read')}) * $n);" in fast
    h = fast[fast.index("v_h$"):fast.index("v_k$")]
    assert h.count("$G +=") == 1        # one branch costs more than the other: it charges the rest
    precise = js[js.index("// ---- precise tier"):]
    assert not re.search(r'\}\), "tiers\.mtp:\d+:\d+", \[\]\), \d+\)', precise)


@pytest.mark.parametrize("src, why", [
    (PROGRAMS["big_numbers"], "a number beyond 2^53"),
    (PROGRAMS["errors_after_work"], "a runtime error"),
    ('function f(n: number): number { if (n == 0) { 0 } else { 1 + f(n - 1) } }\n'
     'api GET "/t" { respond json(f(1001)) }\n', "the depth limit"),
])
def test_the_precise_tier_answers_what_the_fast_tier_cannot(src: str, why: str) -> None:
    tier, _ = _tier_after(src)
    assert tier == 2, why


def test_gas_exhaustion_is_answered_by_the_precise_tier() -> None:
    tier, outcome = _tier_after(PROGRAMS["branches"], gas_limit=100)
    assert tier == 2
    assert json.loads(outcome["body"]) == {"error": "GasExhausted", "gasLimit": 100, "gasUsed": outcome["gas"]}


def test_effects_run_once_when_the_request_is_rerun() -> None:
    """Each step logs once: the rerun replays the fast tier's effects instead of repeating them."""
    src = PROGRAMS["effects"].replace("respond json({ a: a, b: b,", "respond json({ a: a, b: b, z: 1 / (a - 2),")
    check, shipped, precise = _programs(src)
    status, body, _, journal = _outcome(shipped, 10_000_000)
    assert (status, body) == (500, b'{"error":"DivisionByZero"}')
    assert journal == [("Log.info", "('step', Record({'i': 1}))"), ("Log.info", "('step', Record({'i': 3}))")]
    assert _outcome(precise, 10_000_000) == (status, body, _outcome(shipped, 10_000_000)[2], journal)


def test_a_pipeline_performs_no_effect_its_callbacks_stop_before() -> None:
    """A fold's initial value is computed after the steps below it have run all their
    callbacks: a fused loop cannot compute it first when it could perform an effect (here
    the map divides by zero before `step` would log), so such a fold is not fused."""
    src = PROGRAMS["effects"].replace("c: List.fold(List.range(0, 5), 0,", "c: List.fold(List.range(0, 5) |> "
                                      "List.map((x: number) => 10 / (x - 3)), step(5),")
    check, shipped, precise = _programs(src)
    got = _outcome(shipped, 10_000_000)
    assert got[:2] == (500, b'{"error":"DivisionByZero"}')
    assert got[3] == [("Log.info", "('step', Record({'i': 1}))"), ("Log.info", "('step', Record({'i': 3}))")]
    assert got == _outcome(precise, 10_000_000)


@pytest.mark.parametrize("depth", [996, 997, 998, 999, 1000, 1001])
@pytest.mark.parametrize("name", ["depth_mixed", "depth_viaMap", "depth_viaFilter", "depth_viaFold", "depth_ranked",
                                  "depth_pipeline"])
def test_depth_limit_boundary_is_the_same_in_both_tiers(name: str, depth: int) -> None:
    """Recursion through self calls (kept as a parameter in the fast tier), plain calls,
    closures, library callbacks (plain ones run by the native Array methods in the fast
    tier) and a constant's initialiser, right at the depth limit."""
    check, shipped, precise = _programs(PROGRAMS[name].replace("DEPTH", str(depth)))
    ref = run_reference(check, Request("GET", "/t", {}, {}, b""), 10_000_000, FixtureHost())
    got = _outcome(shipped, 10_000_000)
    assert got == _outcome(precise, 10_000_000)
    assert (got[0], got[1], got[2]) == (ref.response.status, ref.response.body, ref.gas_used)


def test_recursion_bounded_by_a_decreasing_parameter_keeps_no_depth() -> None:
    """A recursive function whose self calls all pass `p - k` where `p >= c` is known (from
    its conditions, or from a hypothesis `p >= h` tested on entry) nests at most p0 - c + 1
    deep: when that fits the depth limit its `$n` body runs, with no depth test or depth
    parameter. Its depth boundary is checked above (depth_ranked)."""
    src = PROGRAMS["depth_ranked"].replace("DEPTH", "20")
    js = lower_program(check_source(src, "tiers.mtp"))
    fast = js[js.index("// ---- fast tier"):js.index("// ---- precise tier")]
    down = fast[fast.index("function f0_down$n("):fast.index("function f0_down$r(")]
    assert "$d" not in down and "f0_down$nk(" in down[20:]      # its base tested self call
    # n >= 0 is the hypothesis; then n >= 1 where down and eq call themselves (c = 1)
    assert re.search(r"\$r = v_n\$\d+ >= 0 && v_n\$\d+ <= 1000 - \$d0 \? f0_down\$n\(", fast)
    assert re.search(r"\$r = v_n\$\d+ >= 0 && v_n\$\d+ <= 1000 - \$d0 \? f0_eq\$n\(", fast)
    # ... and pair calls itself where n >= 3
    assert re.search(r"\$r = v_n\$\d+ >= 0 && v_n\$\d+ <= 1002 - \$d0 \? f0_pair\$n\(", fast)
    assert "function f0_wrap$n(" not in fast                         # it calls another function
    # a function returning a union value is ranked the same way (it returns no numbers)
    assert re.search(r"\$r = v_n\$\d+ >= 0 && v_n\$\d+ <= 1000 - \$d0 \? f0_chain\$n\(", fast)
    assert _tier_after(src)[0] == 1
    deep = (2, {"error": "DepthExceeded", "limit": gas.DEPTH_LIMIT})
    tier, outcome = _tier_after(src.replace("eq(20 - 2)", "eq(-3)"))    # the hypothesis fails on entry
    assert (tier, json.loads(outcome["body"])) == deep
    # n - 2 may pass 0 by: the hypothesis n >= 0 does not hold in every call
    skip = "function skip(n: number): number { if (n == 0) { 0 } else { skip(n - 2) + 1 } }\n"
    assert "function f0_skip$n(" not in lower_program(check_source(skip + src, "tiers.mtp"))
    tier, outcome = _tier_after(skip + src.replace("eq(20 - 2)", "skip(21)"))
    assert (tier, json.loads(outcome["body"])) == deep


def test_a_depth_free_body_knows_its_calls_return_non_negative_numbers() -> None:
    """In a `$n` body, the hypothesis that self calls return numbers >= 0 holds when every
    value the body returns is >= 0 under it (down: 0 and 1 + down(n - 1)): then the sum
    needs only its upper bound checked. neg returns negative numbers: its sums keep both
    bounds, and a result that passes -(2^51 - 1), the fast range, takes the precise tier."""
    neg = "function neg(n: number): number { if (n <= 0) { -2251799813685247 } else { neg(n - 1) - 1 } }\n"
    src = PROGRAMS["depth_ranked"].replace("DEPTH", "20") + neg
    js = lower_program(check_source(src, "tiers.mtp"))
    down = js[js.index("function f0_down$n("):js.index("function f0_down$r(")]
    assert f"<= {2**31 - 1} || $u <= {2**51 - 1}) ? $u : $bail()" in down
    negative = js[js.index("function f0_neg$n("):js.index("function f0_neg$r(")]
    assert ">= -" in negative and "$bail()" in negative
    src = neg + 'api GET "/t" { respond json(neg(2) + 10) }\n'
    ref = run_reference(check_source(src, "tiers.mtp"), Request("GET", "/t", {}, {}, b""), 10_000_000, FixtureHost())
    assert ref.response.body == str(-2251799813685247 - 2 + 10).encode()
    tier, outcome = _tier_after(src)
    assert (tier, outcome["body"].encode()) == (2, ref.response.body)


def test_recursive_leaf_calls_charge_nothing_themselves() -> None:
    """A self call prepays the callee's entry charge (the least of its tail branches'),
    and the region making it tests the callee's depth: fib's leaf branch has no charge and
    no depth test of its own, and outside callers pay through the entry wrapper. That
    every gas limit and depth still gives the precise outcome is checked above."""
    check = check_source(PROGRAMS["branches"], "tiers.mtp")
    js = lower_program(check)
    fast = js[js.index("function f0_fib$r("):js.index("function f0_fib$rk(")]     # $rk: its copy (rule 8)
    leaf = fast[fast.index("if ((v_n"):fast.index("} else {")]
    assert "$G" not in leaf and "$d" not in leaf and "return v_n" in leaf
    assert fast.count("if ($d >= 1000) $deep();") == 1 and "$d > 1000" not in fast
    wrapper = js[js.index("function f0_fib("):js.index("function f0_fib$r(")]
    assert re.match(r"function f0_fib\(v_n\$\d+\) \{\n  if \(\(\$G \+= [1-9]\d*\) >= \$L\) \$gx\(\); ", wrapper)


def test_a_match_on_a_local_is_not_copied_in_the_fast_tier() -> None:
    """The fast tier tests and destructures a local subject in place (the precise tier
    charges the read, so it keeps the copy); every gas limit still agrees (above)."""
    js = lower_program(check_source(PROGRAMS["recursive_entry_charges"], "tiers.mtp"))
    fast = js[js.index("function f0_sum$r("):js.index("function f0_pre(")]
    param = re.match(r"function f0_sum\$r\((v_t\$\d+), \$d\)", fast).group(1)
    assert "const $s" not in fast and f"{param} === $N_Tree_Leaf" in fast
    precise = js[js.index("function pf0_sum("):js.index("function pf0_pre(")]
    assert "const $s" in precise


COUNT = "function count(i: number, acc: number): number { if (i == 0) { acc } else { count(i - 1, acc + i) } }\n"


def test_a_list_pipeline_runs_as_one_loop() -> None:
    """Maps and filters over a range or a list, into a fold, a count or a list, whose lambdas call
    nothing run as one loop that builds no intermediate list (spec/execution.md section 12
    rule 7): every chain of `pipelines` but the map whose lambda calls Number.abs, which
    the library runs. Their outcome at every gas limit is checked above (a and d inline
    lambdas that read a captured local, charge a region of their own, or compute a value
    once for two uses)."""
    js = lower_program(check_source(PROGRAMS["pipelines"], "tiers.mtp"))
    fast = js[js.index("// ---- fast tier"):js.index("// ---- precise tier")]
    assert fast.count("const $n = ") == 12 and fast.count("new Array($n)") == 2 and "$out[$i - $a] = $x;" in fast
    assert re.findall(r"\$List_\w+", fast) == ["$List_map", "$List_range"]     # f's map and its source
    # lambdas whose body is one expression are written in place; b's `if`, e's block and
    # f's Number.abs lambdas stay closures
    assert fast.count("$cloPlain((") == 3 and "(v_x$" in fast
    assert _tier_after(PROGRAMS["pipelines"])[0] == 1
    # a lone map over a list is a loop too when its lambda is written in place: it fills a
    # list of known length
    lone = 'api GET "/t" { respond json(List.map([1, 2], (x: number) => x + 1)) }\n'
    assert "const $out = new Array($n);" in lower_program(check_source(lone, "tiers.mtp"))
    # a lone filter or fold saves no list (the native methods run them faster than a loop),
    # nor does a lone map whose lambda is a block; a callback that is not a lambda written in
    # the call is not fused
    single = ('function dbl(x: number): number { x * 2 }\napi GET "/t" { respond json([List.filter([1, 2], '
              '(x: number) => x > 1), List.fold([1], 0, (a: number, x: number) => a + x), '
              'List.map([3], (x: number) => { x + 1 }), List.range(0, 3) |> List.map(dbl)]) }\n')
    assert "const $n = " not in lower_program(check_source(single, "tiers.mtp"))


def test_a_self_call_tests_the_base_case_itself() -> None:
    """Fast tier (spec/execution.md section 12 rule 8): a self call evaluates its arguments,
    tests the callee's trivial branch and takes its value without calling; a branch that
    is not trivial (it computes, or the body binds first) is left to the callee. Outcomes at
    every gas limit: base_cases and base_case_arguments above."""
    src = PROGRAMS["base_cases"].replace("DEPTH", "6") + """
function late(n: number): number { const m = n - 1
  if (m < 2) { n } else { late(m) + 1 } }
function calls(n: number): number { if (n < 2) { n * 2 } else { calls(n - 1) + 1 } }
function later(t: Tree): number { match t { Node(l, v, _) => later(l) + v, Leaf => 0 } }
"""
    fast = lower_program(check_source(src, "tiers.mtp"))
    fast = fast[fast.index("// ---- fast tier"):fast.index("// ---- precise tier")]

    def body(name: str) -> str:     # temporaries renamed `b`
        start = fast.index(f"function f0_{name}" + ("$" if "$" not in name else "("))
        return re.sub(r"\$b\$\d+", "b", fast[start:fast.index("\nfunction ", start + 1)])
    # where the test fails, the callee's other branch is written in (one level unrolled,
    # its temporaries renamed `_i`): its depth test one call deeper, and its own self
    # calls, which are base tested calls. Its charge is prepaid by the caller's region
    # (fib's: its own and two more), and refunded by the base case's value.
    for name, test, value, depth in (("fib", "(b < 2)", "b", ""),
                                     ("count", "(b === $N_Tree_Leaf)", "0", "$d >= 999 && $deep(), ")):
        refunds = re.findall(re.escape(f"{test} ? ($G -= ") + r"(\d+)" + re.escape(f", {value}) : ({depth}(("),
                             body(name))
        own = int(re.search(r"if \(\(\$G \+= (\d+)\) >= \$L\) \$gx\(\); ", body(name)).group(1))
        assert len(refunds) == 2 and own == 3 * int(refunds[0]), name
    assert body("fib").count("(b_i < 2) ? (b_i) : f0_fib$nk(b_i)") == 4
    assert body("count").count("(b_i === $N_Tree_Leaf) ? (0) : f0_count$rk(b_i, $d + 2)") == 4
    assert body("lit").count("(b_i === 0) ? (7) : f0_lit$rk(b_i, $d + 2)") == 1
    assert body("above").count("!!(b_i <= 3) ? (false) : f0_above$nk(b_i, ") == 1     # the `else` is the base
    # a Decimal's key `$d` is not the depth `$d`, which the inlined level pins one deeper
    assert body("dec").count('$Decimal_round($dneg({ $d: "1.55" }), ($u = 1, $D = ') == 2
    assert "$D = ($d + 1), $u)" in body("dec") and "$d + 1:" not in body("dec")
    # the arguments replace the parameters all at once: swap(b, a - 1) written into
    # swap(a, b) reads the caller's b where the callee reads a, and a - 1 where it reads b
    swap = re.sub(r"\$(\d+)", "", body("swap$r"))     # locals' numbers dropped too
    assert ("(v_b <= 0) ? ($G -= " in swap and ", b) : ($d >= 999 && $deep(), ((($u = ((b_i = ((v_b) - (1)), "
            "(b <= 0) ? (b_i) : f0_swap$rk(b, b_i, $d + 2))) + (v_b))" in swap)
    # ... which call the body's copy whose base case test fails (the `if` keeps its charges)
    test = re.search(r"if \(\(v_n\$\d+ < 2\)\) \{", body("fib")).group()
    assert body("fib$nk").replace("if (false) {", test) == body("fib").replace("f0_fib$n(", "f0_fib$nk(")
    assert "if (false) {" in body("count$rk") and "if (true) {" in body("above$nk")
    for name in ("both", "late", "calls", "later"):
        inlined = re.search(r"\? \([^()]*\) : f0_" + name, body(name))
        assert not inlined and re.search(f"f0_{name}\\$[nr]\\(", body(name)[20:]), name
    assert _tier_after(src)[0] == 1


@pytest.mark.parametrize("links, answer", [(998, 498501), (999, 499500), (1000, None), (1001, None)])
def test_the_inlined_level_of_a_base_tested_call_keeps_the_depth_limit(links: int, answer: int | None) -> None:
    """A base tested call runs its callee's other branch in place, one call deeper than
    the body it is written in: `total` nests links + 1 calls (the End among them), which the
    fast tier answers up to the limit, both parities of the unrolled recursion, and refuses
    past it (the precise tier then answers DepthExceeded)."""
    src = f"""
type Chain = End | Link(number, Chain)
function make(n: number, acc: Chain): Chain {{ if (n == 0) {{ acc }} else {{ make(n - 1, Link(n, acc)) }} }}
function total(c: Chain): number {{ match c {{ End => 0, Link(v, rest) => v + total(rest) }} }}
api GET "/t" {{ respond json(total(make({links}, End))) }}
"""
    assert "$d >= 999 && $deep()" in lower_program(check_source(src, "tiers.mtp"))
    tier, outcome = _tier_after(src)
    if answer is None:
        assert (tier, json.loads(outcome["body"])) == (2, {"error": "DepthExceeded", "limit": gas.DEPTH_LIMIT})
    else:
        assert (tier, json.loads(outcome["body"])) == (1, answer)


def test_a_name_a_pattern_binds_and_reads_once_reads_the_value_in_place() -> None:
    """Fast tier: outside self tail loops a pattern-bound name read at most once gets no
    `const`; its use reads the matched value (`v_t[1]`). Names read twice, and every name
    in a function that may loop, keep one. Outcomes at every gas limit: pattern_reads above."""
    js = lower_program(check_source(PROGRAMS["pattern_reads"], "tiers.mtp"))
    fast = js[js.index("// ---- fast tier"):js.index("// ---- precise tier")]

    def body(name: str) -> str:
        start = fast.index(f"function f0_{name}")
        return fast[start:fast.index("\nfunction ", start + 1)]
    assert "const v_" not in body("sum$r") and re.search(r"\$b\$\d+ = v_t\$\d+\[1\], ", body("sum$r"))
    assert re.findall(r"const (v_\w+)\$", body("twice")) == ["v_v"]         # v read twice in one arm
    assert re.findall(r"const (v_\w+)\$", body("walk$r")) == ["v_l", "v_v", "v_r"]
    assert re.findall(r"const (v_\w+)\$", body("rot$r")) == ["v_a", "v_b"]
    tier, outcome = _tier_after(PROGRAMS["pattern_reads"])
    assert (tier, outcome["body"]) == (1, "[10,8,21,21,12,10]")


def _counted_copy(js: str, name: str) -> str:
    """The unchecked copy of counted loop `name` in the fast tier of `js` ("" if none)."""
    fast = js[js.index(f"function {name}$r("):]
    fast = fast[:fast.index("\n}\n")]
    return fast[fast.index(") for (;;) {"):fast.index("\n  }\n  for (;;)")] if ") for (;;) {" in fast else ""


def test_a_counted_loop_runs_a_copy_without_checks_after_one_entry_test() -> None:
    """spec/execution.md section 12 rule 6: the loop's counter bounds its runs, so one test
    on entry covers the gas and the magnitude of every number; the copy it guards has no
    overflow check and no gas test. A loop whose accumulator doubles is not counted."""
    src = COUNT + ("function double(i: number, acc: number): number { if (i == 0) { acc } else { double(i - 1, acc * 2) } }\n"
                   'api GET "/t" { respond json([count(200000, 0), double(10, 1)]) }\n')
    js = lower_program(check_source(src, "tiers.mtp"))
    copy = _counted_copy(js, "f0_count")
    assert copy and "$bail" not in copy and "$L" not in copy and "$g += " in copy
    assert _counted_copy(js, "f0_double") == ""
    tier, outcome = _tier_after(src)
    assert (tier, outcome["body"]) == (1, "[20000100000,1024]")


def test_a_counted_loop_too_long_for_its_gas_stops_at_the_exhaustion_point() -> None:
    """The entry test bounds the gas the loop may charge: a loop of 10^15 runs does not take
    the unchecked copy (which could not stop it before the VM's 5 s wall clock), though its
    numbers stay within the bound."""
    src = ("function spin(i: number, acc: number): number { if (i == 0) { acc } else { spin(i - 1, acc + 1) } }\n"
           'api GET "/t" { respond json(spin(1000000000000000, 0)) }\n')
    tier, outcome = _tier_after(src, gas_limit=100_000)
    ref = run_reference(check_source(src, "tiers.mtp"), Request("GET", "/t", {}, {}, b""), 100_000, FixtureHost())
    assert (tier, outcome["body"].encode()) == (2, ref.response.body)
    assert json.loads(ref.response.body)["error"] == "GasExhausted"


def test_a_counted_loop_whose_numbers_could_pass_2_53_takes_the_checked_loop() -> None:
    """The accumulator swings past 2^53 and back: doubles would round on the way, so the
    entry test must send it to the checked loop, which bails out; the precise tier gives the
    exact total."""
    src = ("function swing(i: number, n: number, acc: number): number {\n"
           "  if (i > n) { acc } else { swing(i + 1, n, acc + i * 1099511627777 + 1) }\n}\n"
           'api GET "/t" { respond json(swing(-300, 299, 0)) }\n')
    check = check_source(src, "tiers.mtp")
    ref = run_reference(check, Request("GET", "/t", {}, {}, b""), 10_000_000, FixtureHost())
    tier, outcome = _tier_after(src)
    assert (tier, outcome["body"].encode()) == (2, ref.response.body)
    assert ref.response.body == str(sum(i * 1099511627777 + 1 for i in range(-300, 300))).encode()


def test_a_loop_calling_nothing_charges_a_local_gas_counter() -> None:
    """A self tail loop whose body calls nothing that could charge gas keeps the counter in
    a local, written back as it returns (a bail-out reruns the request anyway); a loop that
    concatenates strings (a helper with a surcharge) keeps charging the shared counter.
    Every gas limit still gives the precise outcome (test_every_gas_limit_gives_the_precise_outcome)."""
    src = PROGRAMS["tail_loops"] + 'function cat(i: number, s: string): string { if (i == 0) { s } else { cat(i - 1, s + "x") } }\n'
    js = lower_program(check_source(src, "tiers.mtp"))
    fast = js[js.index("// ---- fast tier"):js.index("// ---- precise tier")]
    squares = fast[fast.index("function f0_squares$r("):fast.index("function f0_keep(")]
    assert "var $g = $G;" in squares and "return $G = $g, " in squares and "($G +=" not in squares
    cat = fast[fast.index("function f0_cat$r("):]
    assert "var $g" not in cat[:cat.index("\n}\n")] and "($G +=" in cat
