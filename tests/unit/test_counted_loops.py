"""Which self tail loops are counted (spec/execution.md section 12 rule 6, compiler/loops.py).

A counted loop gets an unchecked copy behind an entry test; these cases pin down the
shapes the rule admits and the ones it must refuse (a refused loop only runs slower,
an admitted one that is not bounded would compute wrong numbers). The entry test
itself is held to the precise tier by tests/unit/test_tiers.py and the differential
property test.
"""

from __future__ import annotations

import pytest

from mtpscript.compiler import loops
from mtpscript.compiler.modules import check_source


def _loop(function: str):
    src = function + '\napi GET "/t" { respond json(0) }\n'
    check = check_source(src, "loops.mtp")
    assert not check.diagnostics, [str(d) for d in check.diagnostics]
    typed = check.modules[check.order[-1]].checked.typed
    decl = typed.module.items[0]
    return loops.counted_loop(decl, typed.values[decl.name], typed), decl


@pytest.mark.parametrize("function, induction, relation, step, accumulators", [
    ("function f(i: number, acc: number): number { if (i == 0) { acc } else { f(i - 1, acc + i) } }",
     "i", "!=", -1, ["acc"]),
    ("function f(i: number, acc: number): number { if (i != 0) { f(i - 1, acc + i) } else { acc } }",
     "i", "!=", -1, ["acc"]),
    ("function f(i: number, acc: number): number { if (0 >= i) { acc } else { f(i - 3, acc - i * i) } }",
     "i", ">", -3, ["acc"]),
    ("function f(i: number, n: number, acc: number): number { if (n > i) { f(i + 2, n, acc + n % (i + 1)) } else { acc } }",
     "i", "<", 2, ["acc"]),
    ("function f(i: number, n: number, a: number, b: number): number {\n"
     "  const x = i * n\n  if (i >= n) { a - b + x } else { f(i + 1, n, x - a + 1, b + i / 2) } }",
     "i", "<", 1, ["a", "b"]),
    ("function f(i: number, s: string, acc: number): number { if (i <= 1) { acc } else { f(i - 1, s, -i + acc) } }",
     "i", ">", -1, ["acc"]),
    ("function f(i: number, acc: number): number { match (i <= 0) { true => acc, false => f(i - 1, acc + 1) } }",
     "i", ">", -1, ["acc"]),
    ("function f(i: number, acc: number): number { match (i < 10) { true => return f(i + 1, acc + i), _ => acc } }",
     "i", "<", 1, ["acc"]),
    ("function f(i: number, acc: number): number { match (i == 0) { false => { const x = i * 2\n f(i - 1, acc + x) }, true => acc } }",
     "i", "!=", -1, ["acc"]),
])
def test_counted_shapes(function, induction, relation, step, accumulators) -> None:
    loop, decl = _loop(function)
    assert loop is not None
    names = [p.name for p in decl.params]
    assert (names[loop.induction], loop.relation, loop.step) == (induction, relation, step)
    assert sorted(names[k] for k in loop.accumulators) == accumulators


@pytest.mark.parametrize("function, why", [
    ("function f(i: number, acc: number): number { if (i == 0) { acc } else { f(i - 2, acc + i) } }",
     "!= with a step of 2 may step over the limit"),
    ("function f(i: number, acc: number): number { if (i <= 0) { acc } else { f(i + 1, acc + i) } }",
     "the counter moves away from the limit"),
    ("function f(i: number, acc: number): number { if (i <= 0) { acc } else { f(i - 1, acc * 2) } }",
     "the accumulator doubles"),
    ("function f(i: number, a: number, b: number): number { if (i <= 0) { a } else { f(i - 1, a + b, b + 1) } }",
     "an increment reads an accumulator"),
    ("function f(i: number, n: number, acc: number): number { if (i >= n) { acc } else { f(i + 1, n + 1, acc) } }",
     "the limit changes"),
    ("function f(i: number, acc: number): number { if (i <= 0) { acc } else { f(i - 1, acc + String.length(\"ab\")) } }",
     "the body makes another call"),
    ("function f(i: number, acc: number): number { if (i <= 0) { acc } else { f(i - 1, acc + 1) + 0 } }",
     "the self call is not a tail call"),
    ("function f(i: number, acc: number): number { if (i <= 0) { f(i + 1, acc) } else { f(i - 1, acc + 1) } }",
     "both branches loop"),
    ("function f(i: number, acc: number): number { if (i <= 0) { acc } else if (i == 5) { acc } else { f(i - 1, acc + 1) } }",
     "the loop branch is an else-if chain"),
    ("function f(i: number, acc: number): number { if (i * 2 <= 0) { acc } else { f(i - 1, acc + 1) } }",
     "the condition does not compare the counter itself"),
    ("function f(i: number, acc: number): number { match i { 0 => acc, _ => f(i - 1, acc + 1) } }",
     "a match on the counter, not on a comparison"),
    ("function f(i: number, acc: number): number { match (i <= 0) { _ => f(i - 1, acc + 1) } }",
     "a match without an exit"),
    ("function f(i: number, acc: number): number { if (i <= 0) { acc } else { f(i - 1, acc + 4503599627370496) } }",
     "a literal at the bound"),
])
def test_refused_shapes(function: str, why: str) -> None:
    assert _loop(function)[0] is None, why
