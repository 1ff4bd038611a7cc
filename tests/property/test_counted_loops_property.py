"""Property test: counted loops and depth-free recursion agree with the reference.

The fast tier runs a counted self tail loop (spec/execution.md section 12 rule 6) as an
unchecked copy when a test on entry bounds its runs, its gas and its numbers, and a
recursion ranked by a decreasing parameter (rule 3) as a `$n` body without depth tests.
Both decisions depend on the values a request brings, so this test draws the values
around every bound the entry tests use (2^31, 2^50, 2^51, 2^53, the depth limit, the gas
limit) together with the loop's shape, and holds the shipped program to the reference
interpreter: the same status, body and gasUsed. 300 examples by default (about 10 s);
more with MTP_COUNTED_EXAMPLES. Mutations it catches: the entry test's magnitude bound
raised to 2^62, the depth test off by one, a `$n` body assuming results >= 0 without
checking what it returns.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings, strategies as st

from mtpscript.compiler.manifest import build_manifest
from mtpscript.compiler.lowering import lower_program
from mtpscript.compiler.modules import check_source
from mtpscript.runtime.dispatch import Request
from mtpscript.runtime.engine import compile_js
from mtpscript.runtime.reference import FixtureHost, run_reference
from mtpscript.runtime.vm import Program

EXAMPLES = int(os.environ.get("MTP_COUNTED_EXAMPLES", "300"))
EDGES = [0, 1, 2, 7, 999, 1000, 1001, 2**26, 2**31 - 1, 2**31, 2**45, 2**50 - 1, 2**50, 2**50 + 1,
         2**51 - 1, 2**51, 2**52 - 1, 2**52, 2**52 + 1, 2**53 - 1, 2**53, 2**62]
values = st.one_of(st.sampled_from(EDGES), st.sampled_from(EDGES).map(lambda v: -v), st.integers(-50, 50))
small = st.integers(-30, 40)
near_min = st.one_of(st.sampled_from([-(2**51 - 1), -(2**51 - 2), -(2**50), -(2**53 - 1), -(2**53 - 2),
                                      -(2**53 - 3), -(2**52)]), values)


@st.composite
def terms(draw, names: list[str], depth: int = 2) -> str:
    """Arithmetic on `names` and literals: what a counted body may compute."""
    if depth == 0 or draw(st.booleans()):
        return draw(st.one_of(st.sampled_from(names), values.map(lambda v: f"({v})")))
    op = draw(st.sampled_from(["+", "-", "*", "/", "%"]))
    return f"({draw(terms(names, depth - 1))} {op} {draw(terms(names, depth - 1))})"


@st.composite
def counted_programs(draw) -> tuple[str, list[str]]:
    """(source, paths): a counted loop, ranked recursions (linear, fib, one returning
    negative numbers), one route each (so that an error in one does not hide the others)."""
    step = draw(st.integers(1, 3))
    up = draw(st.booleans())
    ops = (["<", "<="] if up else [">", ">="]) + (["!="] if step == 1 else [])
    relation = draw(st.sampled_from(ops))
    cond = draw(st.sampled_from([f"i {relation} b", f"b {_MIRROR[relation]} i"]))
    increment = draw(terms(["i", "b"]))
    update = draw(st.sampled_from([f"acc + {increment}", f"{increment} + acc", f"acc - {increment}",
                                   f"{increment} - acc + 1"]))
    # a result that shrinks the accumulator again shows a value that was rounded on the way
    base = draw(st.one_of(st.sampled_from(["acc", "acc % 1000", "acc - b", "(acc + 3) / 2"]), terms(["i", "b", "acc"], 1)))
    shape = draw(st.sampled_from(["if", "match"]))
    again = f"loop(i {'+' if up else '-'} {step}, b, {update})"
    body = (f"if ({cond}) {{ {again} }} else {{ {base} }}" if shape == "if"
            else f"match ({cond}) {{ true => {again}, false => {base} }}")
    depth = draw(st.one_of(st.sampled_from([996, 997, 998, 999, 1000, 1001]), st.integers(-2, 40)))
    scale = draw(st.one_of(small, values))
    src = (f"function loop(i: number, b: number, acc: number): number {{ {body} }}\n"
           "function down(n: number, s: number): number { if (n <= 0) { s } else { down(n - 1, s) + s } }\n"
           "function fib(n: number): number { if (n < 2) { n } else { fib(n - 1) + fib(n - 2) } }\n"
           "function neg(n: number, s: number): number { if (n <= 0) { s } else { neg(n - 1, s) - 1 } }\n"
           f'api GET "/loop" {{ respond json(loop({draw(small)}, {draw(small)}, {draw(values)})) }}\n'
           f'api GET "/down" {{ respond json(down({depth}, {scale})) }}\n'
           f'api GET "/fib" {{ respond json(fib({draw(st.integers(-3, 12))})) }}\n'
           # results that pass -2^53 and come back
           f'api GET "/neg" {{ respond json(neg({draw(st.integers(0, 4))}, {draw(near_min)}) + 10) }}\n')
    return src, ["/loop", "/down", "/fib", "/neg"]


_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "!=": "!="}


@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(counted_programs(), st.sampled_from([10_000_000, 10_000_000, 10_000_000, 50_000, 3_000, 400, 60]))
def test_counted_loops_and_ranked_recursion_agree_with_the_reference(program_paths, gas_limit: int) -> None:
    src, paths = program_paths
    check = check_source(src, "counted.mtp")
    assert not check.diagnostics, (src, [str(d) for d in check.diagnostics])
    program = Program.from_manifest(build_manifest(check, "counted.mtp"), compile_js(lower_program(check)))
    for path in paths:
        request = Request("GET", path, {}, {}, b"")
        got = program.handle(request, gas_limit, FixtureHost())
        ref = run_reference(check, request, gas_limit, FixtureHost())
        assert (got.response.status, got.response.body, got.gas_used) == \
            (ref.response.status, ref.response.body, ref.gas_used), (path, src)
