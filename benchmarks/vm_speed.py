#!/usr/bin/env python3
"""VM speed benchmark: what gas metering, the two tiers and the reference interpreter cost.

Four recursive workloads, each written once in MTPScript (one `api GET "/"` route)
and once as hand-written plain JavaScript, are run side by side in one process:

  fib    fib(22): non-tail recursion (57,313 calls, depth 22 < the 1,000 limit)
  loop   a 200,000-step self tail-recursive loop (the lowering turns it into a JS loop)
  list   List.range(0, 10000) |> List.map |> List.filter |> List.fold (25,000 callbacks)
  tree   build a complete binary Tree union of depth 14 (16,383 nodes), then sum it recursively

The lowering emits every program in two tiers (spec/execution.md sections 11-12): the
fast tier (safe-integer Number arithmetic, gas charged once per region, bails out on any
stop) runs first; the precise tier (BigInt, per-node pre-order gas) reruns the request
when the fast tier bails out. "Shipped" below means lower_program(check), both tiers.

The script prints three ratios (best of --reps warm runs, each in a fresh VM):

  (a) gas-instrumented / uninstrumented lowered JS. Both come from the same MTPScript
      source (compiler.lowering.lower_program(check, instrument=True|False)), are compiled
      with runtime.engine.compile_js and run in the same kind of SealedVM through
      `$main(routeIndex, requestWireJson, gasLimit)`.          target <= 1.25x
  (b) compiled MTPScript (instrumented, what ships) / hand-written plain JS in the same
      QuickJS (compile_js + SealedVM too). Plain JS is idiomatic JS with Number
      arithmetic (primary comparison, like the fast tier); a BigInt-arithmetic version of
      the same code (like the precise tier) is reported too.   target <= 1.5x
  (c) reference interpreter (runtime.reference.run_reference) / VM, one request each,
      the VM side served as runtime/service.py serves it: by a VM prepared beforehand
      (Program.prepare, off the request's path, as design/VM-COSTS.md advises), so the
      request binds the VM, calls `$main` and checks the outcome.   expected >= 20x
      Also printed against the same target: the whole request with the VM's set-up on
      its path (runtime.vm.Program.handle unprepared: a fresh SealedVM, hardening,
      loading the bytecode, the call), what one-shot `mtpc run` does.

PASS/MISS is printed against each target; nothing is asserted (this is a measurement
tool, not a test). Exit status 1 when the execution paths disagree on the result (body
or gasUsed) or the fast tier does not answer a workload, 2 when a workload does not
compile.

Unless --no-profile is given it also times the precise tier alone and prints a tier
report per workload: which tier answered the request (the `tier` field of `$main`'s
outcome; it must be 1), the precise tier alone
(lower_program(check, fast_tier=False)) and the speed-up of the shipped program over it,
split into what gas metering costs in each tier (instrumented / instrument=False) and
what the precise tier costs without gas (BigInt numbers, helper calls) over the fast
tier without gas, and the bytecode size of both programs.

    python benchmarks/vm_speed.py [--reps N] [--only fib,tree] [--no-profile] [--json] [--emit DIR]

Standard library only (plus the installed `mtpscript` package).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

from mtpscript.compiler import gas
from mtpscript.compiler.lowering import lower_program
from mtpscript.compiler.modules import check_source
from mtpscript.runtime import dispatch
from mtpscript.runtime.engine import ENGINE, SealedVM, compile_js
from mtpscript.runtime.reference import FixtureHost, run_reference
from mtpscript.runtime.wire import to_wire

GAS_LIMIT = gas.MAX_GAS_LIMIT          # large enough for every workload
TARGET_A = 1.25
TARGET_B = 1.5
TARGET_C = 20.0


# ---------------------------------------------------------------------------
# Workloads


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    mtp: str              # MTPScript program with exactly one route: GET /
    js_number: str        # plain JS defining bench() -> String(result), Number arithmetic
    js_bigint: str        # the same code with BigInt arithmetic


WORKLOADS = [
    Workload(
        "fib", "fib(22), non-tail recursion",
        """\
function fib(n: number): number {
  if (n < 2) { n } else { fib(n - 1) + fib(n - 2) }
}
api GET "/" { respond json(fib(22)) }
""",
        """\
"use strict";
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function bench() { return String(fib(22)); }
""",
        """\
"use strict";
function fib(n) { return n < 2n ? n : fib(n - 1n) + fib(n - 2n); }
function bench() { return String(fib(22n)); }
"""),
    Workload(
        "loop", "200,000-step tail-recursive loop",
        """\
function loop(i: number, acc: number): number {
  if (i == 0) { acc } else { loop(i - 1, acc + i) }
}
api GET "/" { respond json(loop(200000, 0)) }
""",
        # JS has no guaranteed tail calls (QuickJS would overflow its stack): a loop is
        # the idiomatic equivalent.
        """\
"use strict";
function loop(n) { let acc = 0; for (let i = n; i !== 0; i--) acc += i; return acc; }
function bench() { return String(loop(200000)); }
""",
        """\
"use strict";
function loop(n) { let acc = 0n; for (let i = n; i !== 0n; i--) acc += i; return acc; }
function bench() { return String(loop(200000n)); }
"""),
    Workload(
        "list", "List.range/map/filter/fold over 10,000",
        """\
api GET "/" {
  const total = List.range(0, 10000)
    |> List.map((x) => x * 3)
    |> List.filter((x) => x % 2 == 0)
    |> List.fold(0, (acc, x) => acc + x)
  respond json(total)
}
""",
        """\
"use strict";
function bench() {
  const xs = [];
  for (let i = 0; i < 10000; i++) xs.push(i);
  return String(xs.map((x) => x * 3).filter((x) => x % 2 === 0).reduce((acc, x) => acc + x, 0));
}
""",
        """\
"use strict";
function bench() {
  const xs = [];
  for (let i = 0n; i < 10000n; i++) xs.push(i);
  return String(xs.map((x) => x * 3n).filter((x) => x % 2n === 0n).reduce((acc, x) => acc + x, 0n));
}
"""),
    Workload(
        "tree", "build + sum a Tree of 16,383 nodes",
        """\
type Tree = Leaf | Node(Tree, number, Tree)
function build(d: number, v: number): Tree {
  if (d == 0) { Leaf } else { Node(build(d - 1, v * 2), v, build(d - 1, v * 2 + 1)) }
}
function sum(t: Tree): number {
  match t { Leaf => 0, Node(l, v, r) => sum(l) + v + sum(r) }
}
api GET "/" { respond json(sum(build(14, 1))) }
""",
        """\
"use strict";
function build(d, v) {
  return d === 0 ? null : { left: build(d - 1, v * 2), value: v, right: build(d - 1, v * 2 + 1) };
}
function sum(t) { return t === null ? 0 : sum(t.left) + t.value + sum(t.right); }
function bench() { return String(sum(build(14, 1))); }
""",
        """\
"use strict";
function build(d, v) {
  return d === 0n ? null : { left: build(d - 1n, v * 2n), value: v, right: build(d - 1n, v * 2n + 1n) };
}
function sum(t) { return t === null ? 0n : sum(t.left) + t.value + sum(t.right); }
function bench() { return String(sum(build(14n, 1n))); }
"""),
]


# ---------------------------------------------------------------------------
# Running things


def _no_host(name: str, args_json: str) -> str:
    """`$host.call`: none of the workloads needs the host (Decimal, Map keys, effects)."""
    return json.dumps({"stop": json.dumps({"error": "NoHostInBenchmark", "call": name}), "status": 500})


def request_wire() -> str:
    """`$main`'s request argument for GET / (no params, query, headers or body)."""
    req = dispatch.Request.from_target("GET", "/")
    value = dispatch.request_value(SimpleNamespace(params=[]), {}, req)
    return json.dumps(to_wire(value))


@contextmanager
def loaded_vm(bytecode: bytes):
    """A fresh SealedVM with the (empty) host bridge and the bytecode loaded."""
    with SealedVM(wall_clock_seconds=120.0) as vm:
        vm.install_host("$host", {"call": _no_host})
        vm.run_bytecode(bytecode)
        yield vm


def vm_run(bytecode: bytes, entry: str, *args):
    """Fresh SealedVM, load the bytecode (untimed), then time one call. -> (seconds, result)"""
    with loaded_vm(bytecode) as vm:
        gc.collect()
        t0 = time.perf_counter()
        result = vm.call(entry, *args)
        return time.perf_counter() - t0, result


def main_args(wire: str, gas_limit: int = GAS_LIMIT):
    return ("$main", 0, wire, gas_limit)


class RequestRunner:
    """The VM request path for (c): runtime.vm.Program.handle when it is usable, else the
    same steps done here (fresh SealedVM, host bridge, load bytecode, call `$main`)."""

    def __init__(self, check, bytecode: bytes, wire: str):
        self.bytecode, self.wire = bytecode, wire
        self.program, self.how = None, "engine (fresh SealedVM + load + $main)"
        try:
            from mtpscript.runtime.vm import Program
            self.program = Program.from_check(check)
            self.how = "runtime.vm.Program.handle"
        except Exception as e:  # the runtime API is still moving; fall back, say so
            self.how += f"; Program.from_check unavailable: {type(e).__name__}: {e}"

    def run(self, prepared: bool = False):
        """-> (seconds, body str, gasUsed). `prepared`: the request is served by a VM made
        ready beforehand (Program.prepare, untimed: a serving loop prepares the next VM
        after sending each response), as `mtpscript.runtime` serves with Snapshot.prepare."""
        if prepared:
            if self.program is None:
                return math.nan, None, None
            self.program.prepare(1)
        gc.collect()
        if self.program is not None:
            req = dispatch.Request.from_target("GET", "/")
            t0 = time.perf_counter()
            out = self.program.handle(req, GAS_LIMIT, FixtureHost())
            dt = time.perf_counter() - t0
            if prepared:
                self.program.prepare(0)   # free the used VM now, not in the next timed request
            return dt, out.response.body.decode("utf-8"), out.gas_used
        t0 = time.perf_counter()
        with loaded_vm(self.bytecode) as vm:
            raw = vm.call(*main_args(self.wire))
        dt = time.perf_counter() - t0
        out = json.loads(raw)
        return dt, out["body"], out["gas"]


def answering_tier(js: str, wire: str) -> int:
    """The tier that produced the response of GET / (1 fast, 2 precise): the `tier` field of
    `$main`'s outcome."""
    with loaded_vm(compile_js(js, "probe.js")) as vm:
        return json.loads(vm.call(*main_args(wire)))["tier"]


def reference_run(check):
    gc.collect()
    req = dispatch.Request.from_target("GET", "/")
    t0 = time.perf_counter()
    out = run_reference(check, req, GAS_LIMIT, FixtureHost())
    dt = time.perf_counter() - t0
    return dt, out.response.body.decode("utf-8"), out.gas_used


# ---------------------------------------------------------------------------
# Measurement


def best(xs):
    return min(xs) if xs else math.nan


def ratio(a, b):
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def geomean(xs):
    return math.exp(statistics.fmean(math.log(x) for x in xs))


def fmt_ms(s):
    return "n/a" if s is None or math.isnan(s) else f"{s * 1000:.2f}"


def fmt_x(r):
    return "n/a" if r is None or math.isnan(r) else f"{r:.2f}x"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# The lowered variants of each workload: lower_program keyword arguments, --emit suffix.
LOWERED = {
    "instr": ({}, ".instrumented.js"),                             # what ships: both tiers
    "uninstr": ({"instrument": False}, ".uninstrumented.js"),
    "precise": ({"fast_tier": False}, ".precise.js"),              # the precise tier alone
    "precise_uninstr": ({"instrument": False, "fast_tier": False}, ".precise_uninstrumented.js"),
}


def prepare(w: Workload, emit: str | None):
    check = check_source(w.mtp, f"{w.name}.mtp")
    if not check.ok:
        msgs = "; ".join(d.message for d in check.diagnostics)
        raise SystemExit(f"error: workload {w.name} does not check: {msgs}")
    js = {kind: lower_program(check, **kw) for kind, (kw, _) in LOWERED.items()}
    bc = {kind: compile_js(text, f"{w.name}.js") for kind, text in js.items()}
    bc["plain_number"] = compile_js(w.js_number, f"{w.name}_number.js")
    bc["plain_bigint"] = compile_js(w.js_bigint, f"{w.name}_bigint.js")
    if emit:
        os.makedirs(emit, exist_ok=True)
        files = [(".mtp", w.mtp), (".plain_number.js", w.js_number), (".plain_bigint.js", w.js_bigint)]
        files += [(suffix, js[kind]) for kind, (_, suffix) in LOWERED.items()]
        for suffix, text in files:
            with open(os.path.join(emit, w.name + suffix), "w", encoding="utf-8") as f:
                f.write(text)
    return SimpleNamespace(check=check, js=js, bc=bc)


VM_KINDS = ("instr", "uninstr", "plain_number", "plain_bigint")   # timed calls in a bare VM
TIER_KINDS = ("precise", "precise_uninstr")                        # ...and for the tier report


def measure(workloads, preps, reps: int, wire: str, problems: list[str], tiers: bool):
    """Best of `reps` per workload and variant. Rounds rotate over all workloads and variants
    (round 0 is a warm-up, not recorded), so a burst of load elsewhere on the machine hits
    one repetition of everything rather than every repetition of one workload."""
    runners = {w.name: RequestRunner(preps[w.name].check, preps[w.name].bc["instr"], wire) for w in workloads}
    vm_kinds = VM_KINDS + (TIER_KINDS if tiers else ())
    t = {w.name: {k: [] for k in vm_kinds + ("vm_request", "vm_prepared", "reference")} for w in workloads}
    seen = {w.name: {} for w in workloads}
    for rep in range(reps + 1):
        for w in workloads:
            p, row, got = preps[w.name], {}, seen[w.name]
            # the variants' order rotates too: what ran just before (a reference run allocates
            # heavily in this process) shifts the allocator's state a VM starts from
            for kind in vm_kinds[rep % len(vm_kinds):] + vm_kinds[:rep % len(vm_kinds)]:
                args = ("bench",) if kind.startswith("plain") else main_args(wire)
                row[kind], got[kind] = vm_run(p.bc[kind], *args)
            dt, body, g = runners[w.name].run(); row["vm_request"] = dt; got["vm_request"] = (body, g)
            dt, body, g = runners[w.name].run(prepared=True); row["vm_prepared"] = dt; got["vm_prepared"] = (body, g)
            dt, body, g = reference_run(p.check); row["reference"] = dt; got["reference"] = (body, g)
            if rep:
                for k, v in row.items():
                    t[w.name][k].append(v)
    results = {}
    for w in workloads:
        got = seen[w.name]
        # the paths must agree, else the timings compare different work
        oi, ou = json.loads(got["instr"]), json.loads(got["uninstr"])
        agree = {
            "uninstrumented body": ou["body"] == oi["body"],
            "plain JS (Number) result": got["plain_number"] == oi["body"],
            "plain JS (BigInt) result": got["plain_bigint"] == oi["body"],
            "VM request body/gasUsed": got["vm_request"] == (oi["body"], oi["gas"]),
            "VM request (prepared) body/gasUsed": got["vm_prepared"] in ((oi["body"], oi["gas"]), (None, None)),
            "reference body/gasUsed": got["reference"] == (oi["body"], oi["gas"]),
            "status 200": oi["status"] == 200,
        }
        if tiers:
            op, opu = json.loads(got["precise"]), json.loads(got["precise_uninstr"])
            agree["precise tier body/gasUsed"] = (op["body"], op["gas"]) == (oi["body"], oi["gas"])
            agree["precise tier uninstrumented body"] = opu["body"] == oi["body"]
        for what, ok in agree.items():
            if not ok:
                problems.append(f"{w.name}: {what} differs from the instrumented VM's; all results: {got}")
        b = {k: best(v) for k, v in t[w.name].items()}
        results[w.name] = {
            "title": w.title, "result": oi["body"], "gas_used": oi["gas"],
            "gas_used_uninstrumented": ou["gas"], "vm_request_path": runners[w.name].how,
            "best_s": b, "median_s": {k: statistics.median(v) for k, v in t[w.name].items()},
            "ratios": {
                "a_instr_over_uninstr": ratio(b["instr"], b["uninstr"]),
                "b_instr_over_plain_number": ratio(b["instr"], b["plain_number"]),
                "b_instr_over_plain_bigint": ratio(b["instr"], b["plain_bigint"]),
                "b_uninstr_over_plain_number": ratio(b["uninstr"], b["plain_number"]),
                "c_reference_over_vm_request": ratio(b["reference"], b["vm_request"]),
                "c_reference_over_vm_prepared": ratio(b["reference"], b["vm_prepared"]),
                "c_reference_over_vm_call": ratio(b["reference"], b["instr"]),
                "c_reference_over_plain_number": ratio(b["reference"], b["plain_number"]),
            },
        }
    return results


def tier_report(workloads, preps, results, wire: str, problems: list[str]) -> None:
    """Adds `tiers` to each workload's results (needs measure(..., tiers=True))."""
    for w in workloads:
        p, r = preps[w.name], results[w.name]
        b = r["best_s"]
        tier = answering_tier(p.js["instr"], wire)
        if tier != 1:
            problems.append(f"{w.name}: the benchmark request was answered by tier {tier}, not the "
                            f"fast tier (1); the shipped time includes a bail-out and a precise rerun")
        r["tiers"] = {
            "answered_by_tier": tier,
            "bytecode_bytes": {k: len(p.bc[k]) for k in ("instr", "precise")},
            "precise_over_shipped": ratio(b["precise"], b["instr"]),
            "gas_fast": ratio(b["instr"], b["uninstr"]),
            "gas_precise": ratio(b["precise"], b["precise_uninstr"]),
            "precise_over_fast_uninstrumented": ratio(b["precise_uninstr"], b["uninstr"]),
        }


# ---------------------------------------------------------------------------
# Report


def print_table(header: str, rows) -> None:
    print(header)
    print("-" * len(header))
    for row in rows:
        print(row)


def report(results, reps: int, problems: list[str]) -> None:
    print(f"MTPScript VM speed: {ENGINE}, Python {platform.python_version()}, "
          f"best of {reps} warm runs, each in a fresh SealedVM (times in ms)")
    print()
    print_table(f"{'workload':<6} {'what':<40} {'instr':>8} {'uninstr':>8} {'JS Num':>7} {'JS Big':>7} "
                f"{'VM prep':>8} {'VM unprep':>9} {'ref':>8}",
                (f"{name:<6} {r['title']:<40} {fmt_ms(b['instr']):>8} {fmt_ms(b['uninstr']):>8} "
                 f"{fmt_ms(b['plain_number']):>7} {fmt_ms(b['plain_bigint']):>7} "
                 f"{fmt_ms(b['vm_prepared']):>8} {fmt_ms(b['vm_request']):>9} {fmt_ms(b['reference']):>8}"
                 for name, r in results.items() for b in [r["best_s"]]))
    print()
    print("instr/uninstr: $main call only (VM creation and bytecode loading excluded); JS Num/Big:")
    print("hand-written plain JS, Number/BigInt arithmetic, bench() call only; VM prep: one whole")
    print(f"request ({next(iter(results.values()))['vm_request_path']}) served by a VM prepared beforehand")
    print("(Program.prepare, off the request's path, as runtime/service.py serves); VM unprep: the same")
    print("with the VM's creation, hardening and loading on the request's path; ref: run_reference.")
    print()

    def cell(v, target, width, higher=False):
        if target is None or math.isnan(v):
            return f"{fmt_x(v):>{width}}"
        return f"{fmt_x(v) + ' ' + verdict(v >= target if higher else v <= target):>{width}}"

    print_table(f"{'workload':<6} {'(a) instr/uninstr':>18} {'(b) instr/JS Num':>17} {'(b) instr/JS Big':>17} "
                f"{'(c) ref/VM prep':>16} {'ref/VM unprep':>19} {'ref/VM call':>12} {'ref/JS Num':>11}",
                (f"{name:<6} {cell(q['a_instr_over_uninstr'], TARGET_A, 18)} "
                 f"{cell(q['b_instr_over_plain_number'], TARGET_B, 17)} "
                 f"{cell(q['b_instr_over_plain_bigint'], TARGET_B, 17)} "
                 f"{cell(q['c_reference_over_vm_prepared'], TARGET_C, 16, True)} "
                 f"{cell(q['c_reference_over_vm_request'], TARGET_C, 19, True)} "
                 f"{cell(q['c_reference_over_vm_call'], None, 12)} "
                 f"{cell(q['c_reference_over_plain_number'], None, 11)}"
                 for name, r in results.items() for q in [r["ratios"]]))
    print("ref/JS Num: the reference interpreter against hand-written plain JS, what (c) on the call")
    print("would be if the VM ran the idiomatic JS (a fused pipeline, rule 7, can beat it).")
    print()

    def line(label, key, target, higher_is_better=False):
        vals = {n: r["ratios"][key] for n, r in results.items()}
        worst_name = (min if higher_is_better else max)(vals, key=lambda n: vals[n])
        ok = all((v >= target) if higher_is_better else (v <= target) for v in vals.values())
        cmp = ">=" if higher_is_better else "<="
        print(f"{label:<58} {cmp} {target:g}x: worst {vals[worst_name]:.2f}x ({worst_name}), "
              f"geomean {geomean(vals.values()):.2f}x  {verdict(ok)}")
        return ok

    print("Targets (every workload must meet the target for PASS):")
    line("(a) gas-instrumented vs uninstrumented lowered JS", "a_instr_over_uninstr", TARGET_A)
    line("(b) compiled MTPScript vs plain JS (Number; primary)", "b_instr_over_plain_number", TARGET_B)
    line("(b) compiled MTPScript vs plain JS (BigInt; for reference)", "b_instr_over_plain_bigint", TARGET_B)
    line("(c) reference interpreter / VM, request on a prepared VM", "c_reference_over_vm_prepared", TARGET_C, True)
    line("(c) ... with the VM's set-up on the request's path", "c_reference_over_vm_request", TARGET_C, True)

    if all("tiers" in r for r in results.values()):
        print()
        print("Tiers: shipped = lower_program(check), fast tier first; precise = the precise tier alone")
        print("(lower_program(check, fast_tier=False)), same VM setup, best of the same rounds (ms)")
        print()
        print_table(f"{'workload':<8} {'tier':>4} {'shipped':>8} {'precise':>8} {'precise/shipped':>16} "
                    f"{'gas fast':>9} {'gas precise':>12} {'precise/fast no gas':>20} {'bytecode KB':>13}",
                    (f"{name:<8} {q['answered_by_tier']:>4} {fmt_ms(b['instr']):>8} {fmt_ms(b['precise']):>8} "
                     f"{fmt_x(q['precise_over_shipped']):>16} {fmt_x(q['gas_fast']):>9} "
                     f"{fmt_x(q['gas_precise']):>12} {fmt_x(q['precise_over_fast_uninstrumented']):>20} "
                     f"{q['bytecode_bytes']['instr'] / 1000:>7.1f} /{q['bytecode_bytes']['precise'] / 1000:>5.1f}"
                     for name, r in results.items() for b, q in [(r["best_s"], r["tiers"])]))
        print()
        print("tier: the tier that answered GET / (`tier` of $main's outcome; 1 = fast). gas fast / gas precise:")
        print("instrumented / instrument=False in that tier (gas fast = (a)). precise/fast no gas: both")
        print("with instrument=False (BigInt and $add/$callN helpers vs Number and inline checks).")
        print("bytecode KB: shipped (both tiers) / precise tier alone, prelude included.")
        speedups = [r["tiers"]["precise_over_shipped"] for r in results.values()]
        print(f"Speed-up of the shipped program over the precise tier alone: "
              f"{min(speedups):.2f}x to {max(speedups):.2f}x, geomean {geomean(speedups):.2f}x")
    if problems:
        print()
        print("PROBLEMS (the paths disagree or the fast tier did not answer; timings compare different work):")
        for p in problems:
            print("  " + p)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions, best kept (default 5)")
    ap.add_argument("--only", default="", help="comma-separated workload names (fib,loop,list,tree)")
    ap.add_argument("--no-profile", action="store_true",
                    help="skip the tier report (the precise tier alone is not timed)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the tables")
    ap.add_argument("--emit", metavar="DIR", help="also write each workload's .mtp, lowered and plain JS")
    args = ap.parse_args(argv)
    if args.reps < 1:
        ap.error("--reps must be >= 1")
    names = [n for n in args.only.split(",") if n] if args.only else [w.name for w in WORKLOADS]
    unknown = set(names) - {w.name for w in WORKLOADS}
    if unknown:
        ap.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    workloads = [w for w in WORKLOADS if w.name in names]
    preps = {}
    for w in workloads:
        try:
            preps[w.name] = prepare(w, args.emit)
        except SystemExit:
            raise
        except Exception as e:
            print(f"error: workload {w.name} does not compile: {type(e).__name__}: {e}", file=sys.stderr)
            return 2
    wire = request_wire()
    problems: list[str] = []
    t0 = time.perf_counter()
    results = measure(workloads, preps, args.reps, wire, problems, tiers=not args.no_profile)
    if not args.no_profile:
        tier_report(workloads, preps, results, wire, problems)
    elapsed = time.perf_counter() - t0
    if args.json:
        def targets(key, target, higher=False):
            vals = [r["ratios"][key] for r in results.values()]
            return {"target": target, "met": all((v >= target) if higher else (v <= target) for v in vals)}
        print(json.dumps({
            "engine": ENGINE, "python": platform.python_version(), "reps": args.reps,
            "gas_limit": GAS_LIMIT, "workloads": results,
            "targets": {"a": targets("a_instr_over_uninstr", TARGET_A),
                        "b_number": targets("b_instr_over_plain_number", TARGET_B),
                        "b_bigint": targets("b_instr_over_plain_bigint", TARGET_B),
                        "c": targets("c_reference_over_vm_prepared", TARGET_C, True),
                        "c_unprepared": targets("c_reference_over_vm_request", TARGET_C, True)},
            "problems": problems, "elapsed_s": elapsed,
        }, indent=2, default=lambda o: None if isinstance(o, float) and math.isnan(o) else str(o)))
    else:
        report(results, args.reps, problems)
        print()
        print(f"(measured in {elapsed:.1f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
