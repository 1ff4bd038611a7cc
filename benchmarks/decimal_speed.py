"""Decimal arithmetic per second from guest code, against plain Python `decimal`.

Runs MTPScript handlers that perform N Decimal operations in a tail-recursive loop,
in the QuickJS VM (the product path: the arithmetic itself runs in the VM, in
compiler/decimal.js), and times the same loop with the Decimal
operation replaced by integer addition to subtract the loop's own cost. Prints
operations per second for add, mul and div, the same operations in plain Python
`decimal` (decimal128 context), and their ratio. Target (issue #4): >= 300,000
adds/s from guest code.

    python benchmarks/decimal_speed.py [--n 100000] [--reps 3]
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal, localcontext

from mtpscript.compiler.modules import check_source
from mtpscript.runtime import dispatch
from mtpscript.runtime.reference import FixtureHost
from mtpscript.runtime.vm import Program
from mtpscript.stdlib import decimal128

PROGRAM = """
function addLoop(n: number, acc: Decimal): Decimal { if (n == 0) { acc } else { addLoop(n - 1, acc + 0.01) } }
function mulLoop(n: number, acc: Decimal): Decimal { if (n == 0) { acc } else { mulLoop(n - 1, acc * 1.0001) } }
function divLoop(n: number, acc: Decimal): Decimal {
  if (n == 0) { acc } else { divLoop(n - 1, Result.unwrapOr(Decimal.div(acc, 1.0001), acc)) }
}
function baseLoop(n: number, acc: number): number { if (n == 0) { acc } else { baseLoop(n - 1, acc + 1) } }
api GET "/add/:n" { respond json(addLoop(count(request.params.n), 0.0)) }
api GET "/mul/:n" { respond json(mulLoop(count(request.params.n), 1.0)) }
api GET "/div/:n" { respond json(divLoop(count(request.params.n), 1000000.0)) }
api GET "/base/:n" { respond json(baseLoop(count(request.params.n), 0)) }
function count(s: string): number { Option.unwrapOr(String.toNumber(s), 0) }
"""


def guest_seconds(program: Program, route: str, n: int, reps: int) -> float:
    request = dispatch.Request("GET", f"/{route}/{n}")
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        outcome = program.handle(request, 2_000_000_000, FixtureHost())
        best = min(best, time.perf_counter() - start)
        assert outcome.response.status == 200, outcome.response.body
    return best


def python_ops_per_second(op: str, n: int) -> float:
    with localcontext(decimal128.CONTEXT):
        acc, step = (Decimal("0"), Decimal("0.01")) if op == "add" else (Decimal("1"), Decimal("1.0001"))
        start = time.perf_counter()
        for _ in range(n):
            acc = acc + step if op == "add" else acc * step if op == "mul" else acc / step
        return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="operations per run")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    check = check_source(PROGRAM, "decimal_speed.mtp")
    assert check.ok, check.diagnostics
    program = Program.from_check(check)
    base = guest_seconds(program, "base", args.n, args.reps)
    print(f"Decimal from guest code, {args.n:,} operations per run, best of {args.reps}")
    print(f"{'op':<5}{'guest ops/s':>14}{'net ops/s':>14}{'Python ops/s':>15}{'Python/guest':>14}")
    for op in ("add", "mul", "div"):
        seconds = guest_seconds(program, op, args.n, args.reps)
        gross = args.n / seconds
        net = args.n / max(seconds - base, 1e-9)
        py = python_ops_per_second(op, args.n)
        print(f"{op:<5}{gross:>14,.0f}{net:>14,.0f}{py:>15,.0f}{py / gross:>13.1f}x")
    gross_add = args.n / guest_seconds(program, "add", args.n, args.reps)
    verdict = "MET" if gross_add >= 300_000 else "NOT MET"
    print("\nguest ops/s includes the loop (a tail call, a comparison, a subtraction and gas);"
          " net ops/s subtracts the same loop doing integer addition.")
    print(f"target {verdict}: >= 300,000 Decimal adds/s from guest code — measured {gross_add:,.0f}/s "
          f"(including the loop)")


if __name__ == "__main__":
    main()
