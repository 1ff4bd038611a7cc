"""The syntax nesting limit (spec/grammar.md section 8): programs at the limit compile and
run the same in both execution paths, in every shape of nesting; one level deeper is E0013,
never a crash of a later stage."""

from __future__ import annotations

import pytest

from mtpscript.compiler.diagnostics import DiagnosticSink
from mtpscript.compiler.modules import check_source
from mtpscript.compiler.parser import MAX_SYNTAX_NESTING, parse
from mtpscript.runtime.dispatch import Request
from mtpscript.runtime.reference import FixtureHost, run_reference
from mtpscript.runtime.vm import Program

SHAPES = {
    "list": lambda d: "[" * d + "1" + "]" * d,
    "sum": lambda d: "+".join(["1"] * d),
    "record": lambda d: "{a: " * d + "1" + "}" * d,
    "lambda": lambda d: "(" + "".join(f"((x{i}: number) => " for i in range(d)) + "1" + ")" * d + ")"
                        + "".join(f"({i})" for i in range(d)),
    "if": lambda d: "if (true) { " * d + "1" + " } else { 0 }" * d,
    "match": lambda d: "match 1 { 1 => " * d + "1" + ", _ => 0 }" * d,
    "block": lambda d: "{ const a = 1\n" * d + "a" + "\n}" * d,
    "not": lambda d: "!" * d + "true",
    "concat": lambda d: "+".join(['"a"'] * d),
}


def _program(expr: str) -> str:
    return f'api GET "/" {{ respond json({expr}) }}\n'


def _codes(src: str) -> list[str]:
    sink = DiagnosticSink()
    parse(src, "nest.mtp", sink)
    return [d.code for d in sink.items]


def _deepest(make) -> int:
    """The largest size of a shape that is within the limit."""
    size = 1
    while not _codes(_program(make(size + 1))):
        size += 1
    return size


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_programs_at_the_limit_run_the_same_in_both_paths(shape: str) -> None:
    size = _deepest(SHAPES[shape])
    assert size >= MAX_SYNTAX_NESTING // 4
    assert _codes(_program(SHAPES[shape](size + 1))) == ["E0013"]
    check = check_source(_program(SHAPES[shape](size)), "nest.mtp")
    assert check.ok, check.diagnostics
    request = Request("GET", "/", {}, {}, b"")
    vm = Program.from_check(check).handle(request, 10_000_000, FixtureHost())
    ref = run_reference(check, request, 10_000_000, FixtureHost())
    assert vm.response.status == 200
    assert (vm.response.body, vm.gas_used) == (ref.response.body, ref.gas_used)


def test_far_beyond_the_limit_is_one_diagnostic() -> None:
    assert _codes(_program("[" * 100_000 + "1" + "]" * 100_000)) == ["E0013"]
