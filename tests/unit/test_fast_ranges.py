"""Fast-tier overflow checks chosen from known ranges (spec/execution.md section 11).

The fast tier keeps `number` as a double within ±(2^51 - 1) and must bail out whenever
a value would leave that range or a `+ - *` result might not be exact. What the lowering
knows of the operands (literals, `let` bindings, the conditions of enclosing branches)
decides whether a result needs no check, one bound or both; an operand of `+ - *` or of
a comparison needs none while it is exact (within ±2^53). These tests pin which check
each shape gets, and then run every shape right at the edges of both ranges: the
shipped program must give the precise tier's and the reference interpreter's response
and gas, from the tier the ranges predict.
"""

from __future__ import annotations

import json
import re

import pytest

from mtpscript.compiler.lowering import FAST_SQUARE_BOUND, lower_program
from mtpscript.compiler.modules import check_source
from mtpscript.runtime import dispatch
from mtpscript.runtime.dispatch import Request
from mtpscript.runtime.engine import SealedVM, compile_js
from mtpscript.runtime.reference import FixtureHost, run_reference
from mtpscript.runtime.vm import VM_STACK_BYTES, Program
from mtpscript.runtime.wire import to_wire

FAST = 2**51 - 1       # what a fast-tier number may hold
EXACT = 2**53          # where doubles stop being exact integers
CHECKS = {
    "upper": re.compile(r"\(\(\$u = [^;]*?\) <= 2147483647 \|\| \$u <= 2251799813685247\) \? \$u : \$bail\(\)"),
    "lower": re.compile(r"\(\(\$u = [^;]*?\) >= -2147483647 \|\| \$u >= -2251799813685247\) \? \$u : \$bail\(\)"),
    "both": re.compile(r"\* \$u < " + re.escape(FAST_SQUARE_BOUND) + r"\) \? \$u : \$bail\(\)"),
}


def _fast_tier(src: str) -> str:
    check = check_source(src, "ranges.mtp")
    assert not check.diagnostics, [str(d) for d in check.diagnostics]
    js = lower_program(check)
    return js[js.index("// ---- fast tier"):js.index("// ---- precise tier")]


def _checks(src: str) -> dict[str, int]:
    fast = _fast_tier(src)
    return {kind: len(pattern.findall(fast)) for kind, pattern in CHECKS.items()}


@pytest.mark.parametrize("body, params, helpers", [
    ("n % 2", "n: number", 0),                      # a divisor known not to be 0: inline
    ("n / -3", "n: number", 0),
    ("n % m", "n: number, m: number", 1),          # it may be 0: the helper bails out
    ("n / m", "n: number, m: number", 1),
    ("if (m > 0) { n / m } else { 0 }", "n: number, m: number", 0),
    ("if (m < 0) { n % m } else { 0 }", "n: number, m: number", 0),
    ("if (m > 0) { n / (m + 1) } else { 0 }", "n: number, m: number", 1),   # read twice: literals and locals only
])
def test_division_by_a_divisor_known_not_to_be_zero_is_inline(body: str, params: str, helpers: int) -> None:
    fast = _fast_tier(_fn(body, params))
    assert fast.count("$idiv(") + fast.count("$imod(") == helpers


def test_a_remainder_keeps_a_smaller_range() -> None:
    """`n % 10` lies in [-9, 9], so `(n % 10) * 1000` needs no check; `n / 2` in n's range."""
    assert _checks(_fn("(n % 10) * 1000 + 5")) == {"upper": 0, "lower": 0, "both": 0}
    assert _checks(_fn("if (n >= 0 && n < 100) { (n / 2) * 3 } else { 0 }")) == {"upper": 0, "lower": 0, "both": 0}


def _fn(body: str, params: str = "n: number") -> str:
    return f'function f({params}): number {{ {body} }}\napi GET "/t" {{ respond json(0) }}\n'


@pytest.mark.parametrize("src, expected", [
    # Nothing known: `+ c` can only overflow upwards, `- c` downwards, the rest both ways.
    (_fn("n + 1"), {"upper": 1, "lower": 0, "both": 0}),
    (_fn("n - 1"), {"upper": 0, "lower": 1, "both": 0}),
    (_fn("n * 3"), {"upper": 0, "lower": 0, "both": 1}),
    (_fn("a + b", "a: number, b: number"), {"upper": 0, "lower": 0, "both": 1}),
    (_fn("-n - 1"), {"upper": 0, "lower": 1, "both": 0}),
    # A branch condition bounds the local in that branch only.
    (_fn("if (n < 2) { n } else { n - 1 }"), {"upper": 0, "lower": 0, "both": 0}),
    (_fn("if (n < 2) { n - 1 } else { n }"), {"upper": 0, "lower": 1, "both": 0}),
    (_fn("if (n >= 0) { n + 1 } else { n - 1 }"), {"upper": 1, "lower": 1, "both": 0}),
    (_fn("if (!(n < 0)) { n - 1 } else { 0 }"), {"upper": 0, "lower": 0, "both": 0}),
    (_fn("if (n >= -10 && n <= 10) { n * n * n } else { 0 }"), {"upper": 0, "lower": 0, "both": 0}),
    (_fn("if (n < -10 || n > 10) { 0 } else { n * 1000 + 7 }"), {"upper": 0, "lower": 0, "both": 0}),
    (_fn("if (n < -10 || n > 10) { n * 1000 } else { 0 }"), {"upper": 0, "lower": 0, "both": 1}),
    (_fn("if (n == 5) { n * n } else { n + 1 }"), {"upper": 1, "lower": 0, "both": 0}),
    (_fn("if (n != 5) { n * n } else { n + 1 }"), {"upper": 0, "lower": 0, "both": 1}),
    (_fn("if (3 < n) { n - 1 } else { 0 }"), {"upper": 0, "lower": 0, "both": 0}),
    (_fn("if (n > 0 && n < 100) { 0 } else { n - 1 }"), {"upper": 0, "lower": 1, "both": 0}),
    # `!=` excludes a value at an end of the known range (n is at most 2^51 - 1).
    (_fn("if (n != 2251799813685247) { n + 1 } else { 0 }"), {"upper": 0, "lower": 0, "both": 0}),
    (_fn("if (n == -2251799813685247) { 0 } else { n - 1 }"), {"upper": 0, "lower": 0, "both": 0}),
    (_fn("if (n >= 0) { if (n != 0) { (n - 1) * 3 } else { n - 1 } } else { 0 }"), {"upper": 1, "lower": 0, "both": 0}),
    # Relations between locals carry the other side's range.
    (_fn("if (a > b && b >= 0) { a - 1 } else { 0 }", "a: number, b: number"), {"upper": 0, "lower": 0, "both": 0}),
    # Expression `if` and `&&` operands learn too.
    (_fn("(if (n > 0) { n - 1 } else { 0 }) + 1"), {"upper": 1, "lower": 0, "both": 0}),
    ('function g(n: number): boolean { n > 0 && n - 1 > 5 }\napi GET "/t" { respond json(0) }\n',
     {"upper": 0, "lower": 0, "both": 0}),
    # `const` bindings keep the range of their value.
    (_fn("if (n > 0 && n < 1000) { const m = n * 2\n m * m } else { 0 }"), {"upper": 0, "lower": 0, "both": 0}),
    # Operands of + - * and comparisons stay unchecked while exact: up to five unknown
    # numbers add up with one check (four of them reach at most 2^53 - 4).
    (_fn("a + b + c", "a: number, b: number, c: number"), {"upper": 0, "lower": 0, "both": 1}),
    (_fn("a - b + c - d + e", "a: number, b: number, c: number, d: number, e: number"),
     {"upper": 0, "lower": 0, "both": 1}),
    (_fn("a + b + c + d + e + a", "a: number, b: number, c: number, d: number, e: number"),
     {"upper": 0, "lower": 0, "both": 2}),
    (_fn("a * b + c", "a: number, b: number, c: number"), {"upper": 0, "lower": 0, "both": 2}),
    (_fn("if (a + b > c) { 1 } else { 0 }", "a: number, b: number, c: number"), {"upper": 0, "lower": 0, "both": 0}),
    (_fn("if (a - b == c + 1) { 1 } else { 0 }", "a: number, b: number, c: number"),
     {"upper": 0, "lower": 0, "both": 0}),
    # ... but not where a value keeps them: an argument, a `const`, a repeated result.
    (_fn("Number.abs(a + b) + 1", "a: number, b: number"), {"upper": 1, "lower": 0, "both": 1}),
    (_fn("{ const s = a + b\n s + 1 }", "a: number, b: number"), {"upper": 1, "lower": 0, "both": 1}),
    (_fn("(a + b) * (a + b)", "a: number, b: number"), {"upper": 0, "lower": 0, "both": 2}),
    # A lambda starts with nothing known (it may run later, elsewhere).
    ('function f(n: number): List<number> { if (n < 10 && n > 0) { List.map([1], (x: number) => n + x) } else { [] } }\n'
     'api GET "/t" { respond json(0) }\n', {"upper": 0, "lower": 0, "both": 1}),
])
def test_the_check_each_result_gets(src: str, expected: dict[str, int]) -> None:
    assert _checks(src) == expected


EDGE_PROGRAMS = {
    # name: (body of f(n), expected fast-tier result or None when it must bail out)
    "minus_one_unknown": "n - 1",
    "plus_one_unknown": "n + 1",
    "minus_one_guarded": "if (n > -2251799813685247) { n - 1 } else { 0 }",
    "plus_one_guarded": "if (n < 2251799813685247) { n + 1 } else { 0 }",
    "plus_one_unless_max": "if (n != 2251799813685247) { n + 1 } else { 0 }",
    "minus_one_unless_min": "if (n == -2251799813685247) { 0 } else { n - 1 }",
    "times_three": "n * 3",
    "square_guarded": "if (n >= -47453132 && n <= 47453132) { n * n } else { 0 }",
    "sum_of_two": "n + (n - 1125899906842623)",
    "past_the_range_and_back": "n + 2251799813685247 - n",
    "compared_past_the_range": "if (n + n > 2251799813685247) { 1 } else { 0 }",
    "five_up_four_down": "n + n + n + n + n - n - n - n - n",
    "let_bound": "if (n >= 0) { const m = n - 1\n m - 1 } else { 0 }",
    "remainder": "n % 7 + n % -7",
    "quotient": "n / 7 + n / -3",
    "quotient_of_sum": "(n + 2) / 2 - (n - 2) / 2",
}
EDGE_VALUES = [0, 1, -1, 2, -2, 3, 47453132, 47453133, -47453133, 2**31, -2**31 - 1,
               750599937895082, 750599937895083, -750599937895083, -750599937895082,
               1125899906842623, 1125899906842624, FAST - 1, FAST, -FAST, -FAST + 1,
               450359962737049, 450359962737050, -450359962737050,
               FAST + 1, -FAST - 1, EXACT - 1, -EXACT + 1, EXACT + 1]


def _run_all_ways(src: str):
    """(answering tier, outcome) of the shipped program, and the precise tier's and
    the reference interpreter's (status, body, gas) for GET /t."""
    check = check_source(src, "ranges.mtp")
    assert not check.diagnostics, [str(d) for d in check.diagnostics]
    request = Request("GET", "/t", {}, {}, b"")
    route = Program.from_check(check).routes[0]
    wire = json.dumps(to_wire(dispatch.request_value(route, {}, request)))
    outcomes = []
    for js in (lower_program(check), lower_program(check, fast_tier=False)):
        with SealedVM(max_stack_bytes=VM_STACK_BYTES) as vm:
            vm.install_host("$host", {"call": lambda name, args: json.dumps({"ok": None})})
            vm.run_bytecode(compile_js(js))
            out = json.loads(vm.call("$main", 0, wire, 10_000_000))
            outcomes.append((out["tier"], (out["status"], out["body"].encode(), out["gas"])))
    ref = run_reference(check, request, 10_000_000, FixtureHost())
    return outcomes[0], outcomes[1][1], (ref.response.status, ref.response.body, ref.gas_used)


@pytest.mark.parametrize("name", sorted(EDGE_PROGRAMS))
def test_results_at_the_edges_of_the_fast_range(name: str) -> None:
    """Every edge value in one request: the shipped program answers from the fast tier
    exactly when no value it holds leaves the fast range, and always gives the precise
    tier's and the reference's body and gas."""
    body = EDGE_PROGRAMS[name]
    for value in EDGE_VALUES:
        src = (f"function f(n: number): number {{ {body} }}\n"
               f'api GET "/t" {{ respond json(f({value})) }}\n')
        (tier, shipped), precise, ref = _run_all_ways(src)
        assert shipped == precise == ref, (name, value)
        result = json.loads(shipped[1])
        fits = (abs(value) <= FAST and isinstance(result, int) and abs(result) <= FAST
                and _intermediates_fit(name, value))
        assert tier == (1 if fits else 2), (name, value, result)


def _intermediates_fit(name: str, n: int) -> bool:
    """Whether every intermediate result of EDGE_PROGRAMS[name] at `n` that is held (by
    a `const`, or as an operand of `/`) lies in the fast range. Operands of `+ - *` and
    of comparisons need not: they are exact (sum_of_two, past_the_range_and_back,
    compared_past_the_range go past ±(2^51 - 1) and stay in the fast tier)."""
    steps = {"let_bound": [n - 1] if n >= 0 else [], "quotient_of_sum": [n + 2, n - 2],
             "five_up_four_down": [5 * n]}    # five numbers of the fast range may not be exact
    return all(abs(x) <= FAST for x in steps.get(name, []))
