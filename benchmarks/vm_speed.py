#!/usr/bin/env python3
"""VM speed benchmark: what gas metering, the lowering and the reference interpreter cost.

Four recursive workloads, each written once in MTPScript (one `api GET "/"` route)
and once as hand-written plain JavaScript, are run side by side in one process:

  fib    fib(22): non-tail recursion (57,313 calls, depth 22 < the 1,000 limit)
  loop   a 200,000-step self tail-recursive loop (the lowering turns it into a JS loop)
  list   List.range(0, 10000) |> List.map |> List.filter |> List.fold (25,000 callbacks)
  tree   build a complete binary Tree union of depth 14 (16,383 nodes), then sum it recursively

and the script prints three ratios (best of --reps warm runs, each in a fresh VM):

  (a) gas-instrumented / uninstrumented lowered JS. Both come from the same MTPScript
      source (compiler.lowering.lower_program(check, instrument=True|False)), are compiled
      with runtime.engine.compile_js and run in the same kind of SealedVM through
      `$main(routeIndex, requestWireJson, gasLimit)`.          target <= 1.25x
  (b) compiled MTPScript (instrumented, what ships) / hand-written plain JS in the same
      QuickJS (compile_js + SealedVM too). Plain JS is idiomatic JS with Number
      arithmetic (primary comparison); a BigInt-arithmetic version of the same code is
      also reported, because MTPScript numbers are BigInts in the VM.  target <= 1.5x
  (c) reference interpreter (runtime.reference.run_reference) / VM, one whole request
      each (the VM side: runtime.vm.Program.handle, i.e. a fresh SealedVM, loading the
      bytecode and the call).                                   expected >= 20x

PASS/MISS is printed against each target; nothing is asserted (this is a measurement
tool, not a test). Exit status 1 only when the execution paths disagree on the result
(body or gasUsed), 2 when a workload does not compile.

Unless --no-profile is given it then shows where the time of the instrumented path
goes: dynamic call counts of the prelude helpers, an ablation "waterfall" (the shipped
JS with individual helpers replaced by cheaper stand-ins, appended as overriding
function declarations), and a hand-lowered fib with merged / inlined gas charges that
is checked to report exactly the same gasUsed as the shipped code at many gas limits.

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
import re
import statistics
import sys
import time
from dataclasses import dataclass
from types import SimpleNamespace

from mtpscript.compiler import gas
from mtpscript.compiler.lowering import PRELUDE, lower_program
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


def vm_run(bytecode: bytes, entry: str, *args):
    """Fresh SealedVM, load the bytecode (untimed), then time one call. -> (seconds, result)"""
    with SealedVM(wall_clock_seconds=120.0) as vm:
        vm.install_host("$host", {"call": _no_host})
        vm.run_bytecode(bytecode)
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

    def run(self):
        """-> (seconds, body str, gasUsed)"""
        gc.collect()
        if self.program is not None:
            req = dispatch.Request.from_target("GET", "/")
            t0 = time.perf_counter()
            out = self.program.handle(req, GAS_LIMIT, FixtureHost())
            dt = time.perf_counter() - t0
            return dt, out.response.body.decode("utf-8"), out.gas_used
        t0 = time.perf_counter()
        with SealedVM(wall_clock_seconds=120.0) as vm:
            vm.install_host("$host", {"call": _no_host})
            vm.run_bytecode(self.bytecode)
            raw = vm.call(*main_args(self.wire))
        dt = time.perf_counter() - t0
        out = json.loads(raw)
        return dt, out["body"], out["gas"]


def reference_run(check):
    gc.collect()
    req = dispatch.Request.from_target("GET", "/")
    t0 = time.perf_counter()
    out = run_reference(check, req, GAS_LIMIT, FixtureHost())
    dt = time.perf_counter() - t0
    return dt, out.response.body.decode("utf-8"), out.gas_used


# ---------------------------------------------------------------------------
# JS variants for the profile (benchmark-only text edits of the lowered program)


def append_overrides(js: str, overrides: str) -> str:
    """Later top-level function declarations replace earlier ones in a script."""
    return js + "\n// ---- benchmark overrides\n" + overrides + "\n"


# The prelude's $call / $cb with a fixed arity: no rest parameter and no spread (every
# workload calls functions of at most 3 parameters; extra `undefined`s are harmless).
FIXED_ARITY_CALL = """\
function $call(f, a0, a1, a2) {
  if (++$D > $DEPTH) $stop('{"error":"DepthExceeded","limit":' + $DEPTH + '}');
  let r = f(a0, a1, a2);
  while (r instanceof $TC) r = r.f(...r.a);
  $D--;
  return r;
}
function $cb(f, a0, a1, a2) { $c($CALL_COST); return $call(f, a0, a1, a2); }
"""
NO_RANGE_CHECK = "function $chk(r) { return r; }\n"
EQ_FAST_PATH = """\
function $eq(a, b) {
  const t = typeof a;
  if (t !== "object" && t !== "function") return a === b;
  $visits = 0; const r = $eqv(a, b); $sur($visits); return r;
}
"""
C_NOOP = "function $c(n) {}\n"

_HELPER_DEF = re.compile(r"^function (\$[A-Za-z0-9_]+)\(([^)]*)\) \{", re.M)


def counting_js(js: str) -> str | None:
    """The program with a call counter in every prelude helper, plus `$benchCounts()`."""
    if not js.startswith(PRELUDE):
        return None
    head = '"use strict";\n'
    prelude = PRELUDE[len(head):] if PRELUDE.startswith(head) else PRELUDE
    counted = _HELPER_DEF.sub(lambda m: f"function {m.group(1)}({m.group(2)}) {{ $K[\"{m.group(1)}\"]++;", prelude)
    names = sorted({m.group(1) for m in _HELPER_DEF.finditer(prelude)})
    init = "var $K = {" + ", ".join(f'"{n}": 0' for n in names) + "};\n"
    return (head + init + counted + js[len(PRELUDE):]
            + "\nfunction $benchCounts() { return JSON.stringify($K); }\n")


def merged_fib_variants() -> dict[str, str] | None:
    """fib lowered by hand the way a charge-merging lowering could do it (gas-exact).

    Pre-order charges with no call or fallible operation between them are summed into
    one addition; if that addition crosses the limit, `$gx` replays the parts to report
    the first partial sum >= L, i.e. exactly what charging one by one reports.
    """
    c = gas.op_cost
    try:
        g_entry = [c("if"), c("<"), c("read"), c("literal")]          # if (n < 2)
        g_then = [c("read")]                                          # n
        g_call1 = [c("+"), c("call"), c("-"), c("read"), c("literal")]  # fib(n-1) + ...
        g_call2 = [c("call"), c("-"), c("read"), c("literal")]          # ... fib(n-2)
    except KeyError:
        return None
    groups = {"$P0": g_entry, "$P1": g_then, "$P2": g_call1, "$P3": g_call2}
    common = "".join(f"const {k} = {json.dumps(v)};\n" for k, v in groups.items()) + """\
function $gxm(g0, parts) {
  let g = g0;
  for (let i = 0; i < parts.length; i++) { g += parts[i]; if (g >= $L) break; }
  $G = g; $c(0);
}
function $cm(n, parts) { $G += n; if ($G >= $L) $gxm($G - n, parts); }
function $ovf() { $stop('{"error":"IntegerOverflow"}'); }
function $deep() { $stop('{"error":"DepthExceeded","limit":' + $DEPTH + '}'); }
"""
    s = {k: sum(v) for k, v in groups.items()}

    def inline(p: str) -> str:
        return f"if (($G += {s[p]}) >= $L) $gxm($G - {s[p]}, {p});"

    merged = common + f"""\
function f0_fib(n) {{
  $cm({s['$P0']}, $P0);
  if (n < 2n) {{ $cm({s['$P1']}, $P1); return n; }}
  $cm({s['$P2']}, $P2);
  const x = $call(f0_fib, $sub(n, 1n));
  $cm({s['$P3']}, $P3);
  return $add(x, $call(f0_fib, $sub(n, 2n)));
}}
"""
    inlined = common + f"""\
function f0_fib(n) {{
  {inline('$P0')}
  if (n < 2n) {{ {inline('$P1')} return n; }}
  {inline('$P2')}
  const x = $call(f0_fib, $sub(n, 1n));
  {inline('$P3')}
  return $add(x, $call(f0_fib, $sub(n, 2n)));
}}
"""
    # + direct calls: f0_fib never returns a $TC marker (it has no non-self tail call),
    # so a depth-checked direct call needs no $call, rest/spread or unwinding loop;
    # int64 checks inline.
    direct = common + f"""\
function f0_fib(n) {{
  {inline('$P0')}
  if (n < 2n) {{ {inline('$P1')} return n; }}
  {inline('$P2')}
  let t = n - 1n; if (t > $MAX || t < $MIN) $ovf();
  if (++$D > $DEPTH) $deep();
  const x = f0_fib(t); $D--;
  {inline('$P3')}
  t = n - 2n; if (t > $MAX || t < $MIN) $ovf();
  if (++$D > $DEPTH) $deep();
  const y = f0_fib(t); $D--;
  const r = x + y; if (r > $MAX || r < $MIN) $ovf();
  return r;
}}
"""
    return {"merged $c(sum)": merged, "merged + inlined": inlined, "+ direct calls, inline int64": direct}


# ---------------------------------------------------------------------------
# Measurement


def best(xs):
    return min(xs) if xs else math.nan


def ratio(a, b):
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def fmt_ms(s):
    return "n/a" if s is None or math.isnan(s) else f"{s * 1000:.2f}"


def fmt_x(r):
    return "n/a" if r is None or math.isnan(r) else f"{r:.2f}x"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def prepare(w: Workload, emit: str | None):
    check = check_source(w.mtp, f"{w.name}.mtp")
    if not check.ok:
        msgs = "; ".join(d.message for d in check.diagnostics)
        raise SystemExit(f"error: workload {w.name} does not check: {msgs}")
    js_i = lower_program(check, instrument=True)
    js_u = lower_program(check, instrument=False)
    p = SimpleNamespace(check=check, js_i=js_i, js_u=js_u,
                        bc_i=compile_js(js_i, f"{w.name}.js"), bc_u=compile_js(js_u, f"{w.name}.js"),
                        bc_n=compile_js(w.js_number, f"{w.name}_number.js"),
                        bc_b=compile_js(w.js_bigint, f"{w.name}_bigint.js"))
    if emit:
        os.makedirs(emit, exist_ok=True)
        for suffix, text in ((".mtp", w.mtp), (".instrumented.js", js_i), (".uninstrumented.js", js_u),
                             (".plain_number.js", w.js_number), (".plain_bigint.js", w.js_bigint)):
            with open(os.path.join(emit, w.name + suffix), "w", encoding="utf-8") as f:
                f.write(text)
    return p


KINDS = ("instr", "uninstr", "plain_number", "plain_bigint", "vm_request", "reference")


def measure(workloads, preps, reps: int, wire: str, problems: list[str]):
    """Best of `reps` per workload and variant. Rounds rotate over all workloads and variants
    (round 0 is a warm-up, not recorded), so a burst of load elsewhere on the machine hits
    one repetition of everything rather than every repetition of one workload."""
    runners = {w.name: RequestRunner(preps[w.name].check, preps[w.name].bc_i, wire) for w in workloads}
    t = {w.name: {k: [] for k in KINDS} for w in workloads}
    seen = {w.name: {} for w in workloads}
    for rep in range(reps + 1):
        for w in workloads:
            p, row, got = preps[w.name], {}, seen[w.name]
            dt, raw = vm_run(p.bc_i, *main_args(wire)); row["instr"] = dt; got["instr"] = raw
            dt, raw = vm_run(p.bc_u, *main_args(wire)); row["uninstr"] = dt; got["uninstr"] = raw
            dt, out = vm_run(p.bc_n, "bench"); row["plain_number"] = dt; got["plain_number"] = out
            dt, out = vm_run(p.bc_b, "bench"); row["plain_bigint"] = dt; got["plain_bigint"] = out
            dt, body, g = runners[w.name].run(); row["vm_request"] = dt; got["vm_request"] = (body, g)
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
            "reference body/gasUsed": got["reference"] == (oi["body"], oi["gas"]),
            "status 200": oi["status"] == 200,
        }
        for what, ok in agree.items():
            if not ok:
                problems.append(f"{w.name}: {what} differs (instrumented VM: {oi}, "
                                f"uninstr: {ou}, plain: {got['plain_number']!r}/{got['plain_bigint']!r}, "
                                f"request: {got['vm_request']}, reference: {got['reference']})")
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
                "c_reference_over_vm_call": ratio(b["reference"], b["instr"]),
            },
        }
    return results


def profile(workloads, preps, results, reps: int, wire: str, problems: list[str]):
    out, variants = {}, {}
    for w in workloads:
        p = preps[w.name]
        prof = {"counts": None, "waterfall": {}, "merged_fib": None}
        cjs = counting_js(p.js_i)
        if cjs is not None:
            with SealedVM(wall_clock_seconds=120.0) as vm:
                vm.install_host("$host", {"call": _no_host})
                vm.run_bytecode(compile_js(cjs, "counting.js"))
                vm.call(*main_args(wire))
                counts = json.loads(vm.call("$benchCounts"))
            prof["counts"] = {k: v for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if v}
        steps = [
            ("shipped (instrumented)", p.js_i),
            ("$c as an empty function", append_overrides(p.js_i, C_NOOP)),
            ("no charges (instrument=False)", p.js_u),
            ("  + fixed-arity $call/$cb", append_overrides(p.js_u, FIXED_ARITY_CALL)),
            ("  + no int64 range check", append_overrides(p.js_u, FIXED_ARITY_CALL + NO_RANGE_CHECK)),
            ("  + $eq primitive fast path", append_overrides(p.js_u, FIXED_ARITY_CALL + NO_RANGE_CHECK + EQ_FAST_PATH)),
        ]
        vs = []
        for label, js in steps:
            try:
                vs.append((label, compile_js(js, "variant.js")))
            except Exception as e:
                vs.append((label, None)); problems.append(f"profile {w.name} {label}: {e}")
        vs.append(("plain JS (BigInt)", p.bc_b))
        if w.name == "fib" and "function f0_fib(" in p.js_i:
            hand = merged_fib_variants() or {}
            for label, src in hand.items():
                vs.append(("hand-lowered: " + label, compile_js(append_overrides(p.js_i, src), "hand.js")))
            prof["merged_fib"] = exactness(p.bc_i, [(k, v) for k, v in vs if k.startswith("hand-")], wire,
                                           results[w.name]["gas_used"])
        variants[w.name] = vs
        out[w.name] = prof
    times = {w.name: {label: [] for label, _ in variants[w.name]} for w in workloads}
    for rep in range(reps + 1):                      # rotating rounds, round 0 = warm-up
        for w in workloads:
            for label, bc in variants[w.name]:
                if bc is None:
                    continue
                args = ("bench",) if label.startswith("plain") else main_args(wire)
                dt, _ = vm_run(bc, *args)
                if rep:
                    times[w.name][label].append(dt)
    for w in workloads:
        prof = out[w.name]
        prof["waterfall"] = {label: best(v) for label, v in times[w.name].items()}
        if prof["counts"]:
            n_c = prof["counts"].get("$c", 0)
            full, none = prof["waterfall"]["shipped (instrumented)"], prof["waterfall"]["no charges (instrument=False)"]
            prof["ns_per_charge"] = (full - none) / n_c * 1e9 if n_c else math.nan
    return out


def exactness(bc_shipped: bytes, hand: list, wire: str, gas_used: int):
    """Compare hand-lowered variants with the shipped JS at many gas limits (one VM per variant,
    `$main` called once per limit: `$entry` resets the counters)."""
    limits = list(range(1, 121)) + [997, 4099, 65537, 524287, gas_used - 1, gas_used, gas_used + 1]
    outs = {}
    for label, bc in [("shipped", bc_shipped)] + hand:
        with SealedVM(wall_clock_seconds=120.0) as vm:
            vm.install_host("$host", {"call": _no_host})
            vm.run_bytecode(bc)
            outs[label] = [vm.call("$main", 0, wire, L) for L in limits]
    return {label: outs[label] == outs["shipped"] for label, _ in hand} | {"limits_checked": len(limits)}


# ---------------------------------------------------------------------------
# Report


def report(results, prof, reps: int, problems: list[str]) -> None:
    print(f"MTPScript VM speed: {ENGINE}, Python {platform.python_version()}, "
          f"best of {reps} warm runs, each in a fresh SealedVM (times in ms)")
    print()
    hdr = (f"{'workload':<6} {'what':<40} {'instr':>8} {'uninstr':>8} {'JS Num':>7} {'JS Big':>7} "
           f"{'VM req':>8} {'ref':>8}")
    print(hdr)
    print("-" * len(hdr))
    for name, r in results.items():
        b = r["best_s"]
        print(f"{name:<6} {r['title']:<40} {fmt_ms(b['instr']):>8} {fmt_ms(b['uninstr']):>8} "
              f"{fmt_ms(b['plain_number']):>7} {fmt_ms(b['plain_bigint']):>7} "
              f"{fmt_ms(b['vm_request']):>8} {fmt_ms(b['reference']):>8}")
    print()
    print("instr/uninstr: $main call only (VM creation and bytecode loading excluded); JS Num/Big:")
    print("hand-written plain JS, Number/BigInt arithmetic, bench() call only; VM req: one whole")
    print(f"request ({next(iter(results.values()))['vm_request_path']}); ref: run_reference, one request.")
    print()
    hdr = (f"{'workload':<6} {'(a) instr/uninstr':>18} {'(b) instr/JS Num':>17} {'(b) instr/JS Big':>17} "
           f"{'(c) ref/VM req':>15} {'ref/VM call':>12}")
    print(hdr)
    print("-" * len(hdr))

    def cell(v, target, width, higher=False):
        if target is None or math.isnan(v):
            return f"{fmt_x(v):>{width}}"
        return f"{fmt_x(v) + ' ' + verdict(v >= target if higher else v <= target):>{width}}"

    for name, r in results.items():
        q = r["ratios"]
        print(f"{name:<6} {cell(q['a_instr_over_uninstr'], TARGET_A, 18)} "
              f"{cell(q['b_instr_over_plain_number'], TARGET_B, 17)} "
              f"{cell(q['b_instr_over_plain_bigint'], TARGET_B, 17)} "
              f"{cell(q['c_reference_over_vm_request'], TARGET_C, 15, True)} "
              f"{cell(q['c_reference_over_vm_call'], None, 12)}")
    print()

    def line(label, key, target, higher_is_better=False):
        vals = {n: r["ratios"][key] for n, r in results.items()}
        worst_name = (min if higher_is_better else max)(vals, key=lambda n: vals[n])
        ok = all((v >= target) if higher_is_better else (v <= target) for v in vals.values())
        gmean = math.exp(statistics.fmean(math.log(v) for v in vals.values()))
        cmp = ">=" if higher_is_better else "<="
        print(f"{label:<58} {cmp} {target:g}x: worst {vals[worst_name]:.2f}x ({worst_name}), "
              f"geomean {gmean:.2f}x  {verdict(ok)}")
        return ok

    print("Targets (every workload must meet the target for PASS):")
    line("(a) gas-instrumented vs uninstrumented lowered JS", "a_instr_over_uninstr", TARGET_A)
    line("(b) compiled MTPScript vs plain JS (Number; primary)", "b_instr_over_plain_number", TARGET_B)
    line("(b) compiled MTPScript vs plain JS (BigInt; for reference)", "b_instr_over_plain_bigint", TARGET_B)
    line("(c) reference interpreter / VM, whole request", "c_reference_over_vm_request", TARGET_C, True)

    if prof:
        print()
        print("Where the time goes (instrumented path)")
        print("---------------------------------------")
        for name, pr in prof.items():
            print(f"{name}:")
            if pr["counts"]:
                top = [(k, v) for k, v in pr["counts"].items() if v >= 100][:7]
                print("  prelude helper calls per request: " + ", ".join(f"{k} {v:,}" for k, v in top))
                if not math.isnan(pr.get("ns_per_charge", math.nan)):
                    print(f"  cost of the lowering's charges: {pr['ns_per_charge']:.0f} ns per $c call")
            base = pr["waterfall"].get("shipped (instrumented)")
            for label, s in pr["waterfall"].items():
                print(f"    {label:<44} {fmt_ms(s):>8} ms  {fmt_x(ratio(s, base)):>7} of shipped")
            if pr["merged_fib"]:
                m = pr["merged_fib"]
                ok = all(v for k, v in m.items() if k != "limits_checked")
                print(f"  hand-lowered fib variants report the shipped response and gasUsed at all "
                      f"{m['limits_checked']} gas limits checked: {'yes' if ok else 'NO'}")
                if not ok:
                    problems.append(f"merged-charge fib is not gas-exact: {m}")
    if problems:
        print()
        print("PROBLEMS (the execution paths disagree; timings compare different work):")
        for p in problems:
            print("  " + p)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions, best kept (default 5)")
    ap.add_argument("--only", default="", help="comma-separated workload names (fib,loop,list,tree)")
    ap.add_argument("--no-profile", action="store_true", help="skip the where-the-time-goes section")
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
    results = measure(workloads, preps, args.reps, wire, problems)
    prof = None if args.no_profile else profile(workloads, preps, results, args.reps, wire, problems)
    elapsed = time.perf_counter() - t0
    if args.json:
        def targets(key, target, higher=False):
            vals = [r["ratios"][key] for r in results.values()]
            return {"target": target, "met": all((v >= target) if higher else (v <= target) for v in vals)}
        print(json.dumps({
            "engine": ENGINE, "python": platform.python_version(), "reps": args.reps,
            "gas_limit": GAS_LIMIT, "workloads": results, "profile": prof,
            "targets": {"a": targets("a_instr_over_uninstr", TARGET_A),
                        "b_number": targets("b_instr_over_plain_number", TARGET_B),
                        "b_bigint": targets("b_instr_over_plain_bigint", TARGET_B),
                        "c": targets("c_reference_over_vm_request", TARGET_C, True)},
            "problems": problems, "elapsed_s": elapsed,
        }, indent=2, default=lambda o: None if isinstance(o, float) and math.isnan(o) else str(o)))
    else:
        report(results, prof, args.reps, problems)
        print()
        print(f"(measured in {elapsed:.1f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
