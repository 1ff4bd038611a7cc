"""Differential property test: the QuickJS path and the Python reference agree.

spec/execution.md is normative for both execution paths; this test holds them to
identical status, headers, body bytes, gasUsed and effect journal on generated well-typed programs
(tests/property/program_gen.py).  Every program is run

  * at a generated gas limit (mostly large, sometimes small), and
  * on about half of the examples a second time at a limit derived from the gas the
    program used (exactly that figure, one more, or somewhere below it), so that the
    GasExhausted boundary is hit precisely,

and at the generated limit also with the precise tier alone (`fast_tier=False`): the
shipped path usually finishes in the fast tier, so both tiers are held to the
reference (spec/execution.md section 12).

Default run: 2,000 programs (derandomized, no example database).  `pytest -m slow`
runs 20,000 more; MTP_DIFF_EXAMPLES overrides the default count.

On a mismatch the failure message carries the program text, both outcomes and the gas
figures, so the failure can be reproduced by hand.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import program_gen  # noqa: E402  (a strategy module next to this file, not a package)

from mtpscript.compiler.lowering import lower_program  # noqa: E402
from mtpscript.compiler.manifest import build_manifest  # noqa: E402
from mtpscript.compiler.modules import check_source  # noqa: E402
from mtpscript.runtime.dispatch import Request  # noqa: E402
from mtpscript.runtime.engine import compile_js  # noqa: E402
from mtpscript.runtime.reference import FixtureHost, run_reference  # noqa: E402
from mtpscript.runtime.vm import Program  # noqa: E402

DEFAULT_EXAMPLES = int(os.environ.get("MTP_DIFF_EXAMPLES", "2000"))
SLOW_EXAMPLES = 20_000


def _request() -> Request:
    return Request("GET", "/t", {}, {}, b"")


def _describe(result) -> str:
    if isinstance(result, str):
        return result
    outcome, journal = result
    r = outcome.response
    body = r.body if len(r.body) <= 2000 else r.body[:2000] + b"..."
    text = (f"status={r.status} headers={r.headers} gas_used={outcome.gas_used}\n"
            f"    body={body!r} ({len(r.body)} bytes, sha256 {r.sha256[:16]})")
    if journal:
        text += f"\n    effects={journal!r}"
    return text


def _run(engine: str, check, program, gas_limit: int):
    """(Outcome, effect journal) of one engine, or the traceback text if it raised."""
    host = FixtureHost()
    try:
        if engine == "vm":
            outcome = program.handle(_request(), gas_limit, host)
        else:
            outcome = run_reference(check, _request(), gas_limit, host)
    except Exception:           # a crash of either engine is a finding too
        return "EXCEPTION:\n" + traceback.format_exc(limit=6)
    return outcome, [(op, repr(args)) for _, op, args in host.journal]


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return False
    (oa, ja), (ob, jb) = a, b
    return (oa.response.status == ob.response.status and oa.response.body == ob.response.body
            and oa.response.headers == ob.response.headers and oa.gas_used == ob.gas_used and ja == jb)


def _report(src: str, gas_limit: int, vm, ref) -> str:
    return ("QuickJS path and reference interpreter disagree\n"
            f"--- program (gen.mtp) ---\n{src}"
            f"--- request: GET /t, gas limit {gas_limit} ---\n"
            f"  vm : {_describe(vm)}\n"
            f"  ref: {_describe(ref)}\n")


def compare(src: str, gas_limit: int, derive: int | None = None) -> None:
    check = check_source(src, "gen.mtp")
    assert not check.diagnostics, ("generator produced a program the checker rejects\n"
                                   f"{src}\n" + "\n".join(str(d) for d in check.diagnostics))
    try:
        program = Program.from_check(check)
        precise = Program.from_manifest(build_manifest(check, "gen.mtp"),
                                        compile_js(lower_program(check, fast_tier=False)))
    except Exception:
        raise AssertionError(f"QuickJS path failed to compile a checked program\n{src}\n{traceback.format_exc()}")
    ref = _run("ref", check, program, gas_limit)
    vm = _run("vm", check, program, gas_limit)
    assert _same(vm, ref), _report(src, gas_limit, vm, ref)
    vm_precise = _run("vm", check, precise, gas_limit)
    assert _same(vm_precise, ref), "precise tier alone: " + _report(src, gas_limit, vm_precise, ref)
    if derive is None:
        return
    used = ref[0].gas_used
    if used <= 1:
        return
    choice = derive % 4
    limit = {0: used, 1: used + 1, 2: used - 1, 3: 1 + derive % (used - 1)}[choice]
    limit = max(1, min(limit, 2_000_000_000))
    ref2 = _run("ref", check, program, limit)
    vm2 = _run("vm", check, program, limit)
    assert _same(vm2, ref2), _report(src, limit, vm2, ref2)


def _settings(n: int):
    return settings(max_examples=n, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.large_base_example])


DERIVE = st.one_of(st.none(), st.integers(0, 2**31))


@_settings(DEFAULT_EXAMPLES)
@given(src=program_gen.programs(), gas_limit=program_gen.gas_limits(), derive=DERIVE)
def test_engines_agree(src: str, gas_limit: int, derive: int | None) -> None:
    compare(src, gas_limit, derive)


@pytest.mark.slow
@_settings(SLOW_EXAMPLES)
@given(src=program_gen.programs(), gas_limit=program_gen.gas_limits(), derive=DERIVE)
def test_engines_agree_slow(src: str, gas_limit: int, derive: int | None) -> None:
    compare(src, gas_limit, derive)


# Hand-written programs that pin the constructs the generator is built around.
FIXED = [
    # tail recursion far beyond the depth limit, non-tail recursion just above it
    '''function cd(n: number, acc: number): number { if (n <= 0) { acc } else { cd(n - 1, acc + n) } }
function deep(n: number): number { if (n <= 0) { 0 } else { 1 + deep(n - 1) } }
api GET "/t" { respond json({ a: cd(5000, 0), b: deep(1001) }) }
''',
    # closure equality: same code and equal captures
    '''function mk(k: number): (number) => number { (x: number) => x + k }
api GET "/t" { respond json({ a: mk(1) == mk(1), b: mk(1) == mk(2), c: Number.abs == Number.abs }) }
''',
    # recursive union, exhaustive match, overflow and division by zero
    '''type Tree = Leaf(number) | Node(Tree, Tree)
function sum(t: Tree): number { match t { Leaf(n) => n, Node(l, r) => sum(l) + sum(r) } }
api GET "/t" { respond json({ a: sum(Node(Leaf(9223372036854775807), Leaf(1))) }) }
''',
    '''api GET "/t" { respond json({ a: [1, 2][5], b: 1 / 0 }) }
''',
    # regression: /tmp/mtp-diff-bugs/const_forward_ref.mtp (a constant read before its declaration)
    '''const K10: number = K9 + K9
const K9: number = 1
api GET "/t" { respond json({ r0: K10 }) }
''',
    '''const K11: List<number> = [K12, K12]
const K12: number = 1 / 0
api GET "/t" { respond json({ r0: K11 }) }
''',
    # regression: int64 minimum from the host (QuickJS misorders -2^63n < -(2^53-1))
    '''api GET "/t" { respond json({ a: Json.parse("-9223372036854775808"), b: String.toNumber("-9223372036854775808") }) }
''',
    # regression: /tmp/mtp-diff-bugs/closure_capture_order.mtp (captures in source order)
    '''function mk(a: List<List<number>>, g: (number) => number): (number) => number { (y: number) => g(List.length(a)) }
function mk3(a: List<List<number>>, b: number): (number) => number { (y: number) => ((z: number) => List.length(a))(b) }
api GET "/t" {
  const big = List.map(List.range(0, 40), (i: number) => [i])
  respond json({ a: mk(big, Number.abs) == mk(big, (x: number) => x), b: mk3(big, 1) == mk3(big, 2) })
}
''',
]


@pytest.mark.parametrize("src", FIXED)
@pytest.mark.parametrize("gas_limit", [10_000_000, 50, 1])
def test_fixed_programs_agree(src: str, gas_limit: int) -> None:
    compare(src, gas_limit, derive=3)
