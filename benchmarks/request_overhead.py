#!/usr/bin/env python3
"""Per-request overhead of load-once / handle-many, split by stage, beside Node.js.

A trivial MTPScript route (`api GET "/ping" { respond json({ "ok": true }) }`) is
compiled, signed and loaded ONCE with `Snapshot.load` (verification, manifest; timed
once and reported apart), then served N times. Reported per request, p50 / p99 in µs
(interleaved rounds after a warm-up; `time.perf_counter_ns`; GC paused while timing):

  snapshot.handle     the embedding API end to end (dispatch, seed, fresh VM, audit record)
  program.handle      runtime.vm.Program.handle alone (what snapshot.handle calls)

and the split of that path, timed stage by stage on the real objects, mirroring
vm.Program.handle line by line (runtime.engine.SealedVM, not a re-implementation):

  dispatch            route selection, request value, wire JSON, the effect bridge (host, Python)
  vm create+harden    SealedVM(...): new QuickJS runtime + context + the hardening script
    runtime creation    bare quickjs.Runtime() + new_context(), measured separately
    hardening           the rest of SealedVM(...): (vm create+harden) - (runtime creation)
  effect injection    vm.install_host("$host", ...)
  bytecode load       vm.run_bytecode(snapshot bytecode)  (JS_ReadObject + the top-level script)
  execution           vm.call("$main", ...): sealing, static initialisers, handler, gas
  close               VM teardown (after the response exists, still on this thread)
  decode              outcome JSON -> Response (host). Measured: json.loads itself takes
                      ~3 µs; the rest is the C allocator finishing work deferred from close
                      (the first allocations after a QuickJS heap is freed pay for it)

Then the same trivial work the way a Node.js user isolates requests, timed inside one
`node` process with process.hrtime.bigint(): a pre-compiled `vm.Script` (load-once),
and per request `vm.createContext({host})` + `script.runInContext(ctx)` + calling the
handler (no hardening: Node's context shares nothing with the main one, but its
intrinsics stay mutable). Ratios are MTPScript / Node.

What is on a request's critical path: with load-once/handle-many as shipped
(vm.Program.handle) EVERY stage above runs after the request arrives. The script also
measures, honestly labelled, a "prepared VM" mode that is NOT what the product does
today: VMs created, hardened, injected (a bridge whose request is bound later) and
loaded ahead of time, each used for exactly one request and then discarded; only
dispatch + binding + execution + decode are then on the critical path, and the total
CPU per request (preparation included) is printed beside it.

    python benchmarks/request_overhead.py [--n 2000] [--rounds 5] [--json] [--no-node]

Standard library plus the installed `mtpscript` package (and `quickjs`, which it
installs, for the bare-runtime baseline). A measurement tool, not a test: it never
fails because something is slow; exit 1 only if the paths disagree on the response.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import quickjs

from mtpscript.compiler.modules import check_program
from mtpscript.runtime import dispatch
from mtpscript.runtime import engine as engine_mod
from mtpscript.runtime import vm as vm_mod
from mtpscript.runtime.build import compile_program
from mtpscript.runtime.engine import ENGINE, SealedVM
from mtpscript.runtime.reference import FixtureHost
from mtpscript.runtime.service import Snapshot
from mtpscript.runtime.signing import generate_keypair, sign
from mtpscript.runtime.snapshot import write_snapshot_files
from mtpscript.runtime.wire import to_wire

PROGRAM = 'api GET "/ping" {\n  respond json({ "ok": true })\n}\n'
EXPECTED_BODY = b'{"ok":true}'
GAS_LIMIT = 10_000_000

# The same trivial work for Node: parse the request JSON, answer canonical JSON.
NODE_APP = r"""
function handle(requestJson) {
  const request = JSON.parse(requestJson);
  host.log(request.path);
  return JSON.stringify({ ok: true });
}
"""

NODE_SCRIPT = r"""
const vm = require("vm");
const [n, rounds] = [Number(process.argv[1]), Number(process.argv[2])];
const src = process.argv[3], expected = process.argv[4], request = process.argv[5];
const script = new vm.Script(src, { filename: "app.js" });   // load once
const now = () => process.hrtime.bigint();
function once(out) {
  const t0 = now();
  const ctx = vm.createContext({ host: { log: (s) => s.length } });
  const t1 = now();
  script.runInContext(ctx);
  const t2 = now();
  const body = ctx.handle(request);
  const t3 = now();
  if (body !== expected) throw new Error("bad result " + body);
  if (out) {
    out.create.push(Number(t1 - t0) / 1e3);
    out.load.push(Number(t2 - t1) / 1e3);
    out.exec.push(Number(t3 - t2) / 1e3);
    out.total.push(Number(t3 - t0) / 1e3);
  }
}
for (let i = 0; i < Math.min(n, 300); i++) once(null);   // warm-up
const out = { create: [], load: [], exec: [], total: [] };
const cpu0 = process.cpuUsage(), wall0 = now();
const perRound = Math.ceil(n / rounds);
for (let r = 0; r < rounds; r++) for (let i = 0; i < perRound; i++) once(out);
const cpu = process.cpuUsage(cpu0), count = perRound * rounds;
out.cpu_per_request_us = (cpu.user + cpu.system) / count;
out.wall_per_request_us = Number(now() - wall0) / 1e3 / count;
process.stdout.write(JSON.stringify(out));
"""


# ----------------------------------------------------------------------------- helpers

def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "min": min(values), "p50": pct(values, 0.50), "p99": pct(values, 0.99)}


def build(workdir: Path) -> tuple[Snapshot, float]:
    """Compile and sign the program, then Snapshot.load it (timed: the load-once cost)."""
    source = workdir / "ping.mtp"
    source.write_text(PROGRAM, encoding="utf-8")
    check = check_program([str(source)])
    if not check.ok:
        raise SystemExit(f"the benchmark program does not compile: {check.diagnostics}")
    built = compile_program(check, check.order[-1])
    private_pem, public_pem = generate_keypair()
    write_snapshot_files(workdir / "ping.msqs", built.snapshot, sign(built.snapshot, private_pem))
    t = time.perf_counter_ns()
    snapshot = Snapshot.load(workdir / "ping.msqs", public_key=public_pem)
    return snapshot, (time.perf_counter_ns() - t) / 1e3


def vm_options() -> dict:
    """The SealedVM options vm.Program.handle uses (whatever this version defines)."""
    options = {}
    if hasattr(vm_mod, "VM_STACK_BYTES"):
        options["max_stack_bytes"] = vm_mod.VM_STACK_BYTES
    if hasattr(vm_mod, "WALL_CLOCK_SECONDS"):
        options["wall_clock_seconds"] = vm_mod.WALL_CLOCK_SECONDS
    return options


def host_functions(bridge_call) -> dict:
    return {"call": bridge_call, **getattr(vm_mod, "DECIMAL_FAST", {})}


class Stages:
    """One request through the real objects, stage by stage, as vm.Program.handle does it."""

    STAGES = ("dispatch", "vm create+harden", "effect injection", "bytecode load", "execution", "close", "decode")

    def __init__(self, snapshot: Snapshot, request: dispatch.Request):
        self.program = snapshot.program
        self.request = request
        self.options = vm_options()
        self.samples: dict[str, list[float]] = {s: [] for s in self.STAGES}
        self.samples["sum of stages"] = []

    def run(self, record: bool) -> bytes:
        clock = time.perf_counter_ns
        program, request = self.program, self.request
        t0 = clock()
        route, params = dispatch.select_route(program.routes, request.method, request.path)
        request_value = dispatch.request_value(route, params, request)
        wire = to_wire(request_value)
        wire_json = json.dumps(wire)
        bridge = vm_mod._Bridge(FixtureHost(), route.effects)
        index = program.routes.index(route)
        t1 = clock()
        vm = SealedVM(**self.options)
        t2 = clock()
        vm.install_host("$host", host_functions(bridge.call))
        t3 = clock()
        vm.run_bytecode(program.bytecode)
        t4 = clock()
        raw = vm.call("$main", index, wire_json, GAS_LIMIT)
        t5 = clock()
        vm.close()
        t6 = clock()
        outcome = json.loads(raw)
        response = dispatch.Response(outcome["status"], {"content-type": outcome["type"]},
                                     outcome["body"].encode("utf-8"))
        t7 = clock()
        if record:
            marks = (t0, t1, t2, t3, t4, t5, t6, t7)
            for name, a, b in zip(self.STAGES, marks, marks[1:]):
                self.samples[name].append((b - a) / 1e3)
            self.samples["sum of stages"].append((t7 - t0) / 1e3)
        return response.body


def bare_runtime():
    """A bare QuickJS runtime + context (returned, so that freeing it is not timed)."""
    rt = quickjs.Runtime()
    return rt, rt.new_context()


def bare_runtime_plus_hardening():
    """The engine calls SealedVM.__init__ makes, without the wrapper's Python bookkeeping."""
    rt = quickjs.Runtime()
    ctx = rt.new_context()
    return rt, ctx, ctx.eval_function(ctx.read_object(engine_mod._vm_setup_bytecode()))


class LateBridge:
    """An effect bridge injected ahead of time; the request's bridge is bound on arrival."""

    def __init__(self):
        self.bridge = None

    def call(self, name, args_json):
        return self.bridge.call(name, args_json)


def prepared_mode(snapshot: Snapshot, request: dispatch.Request, n: int, batch: int) -> dict:
    """VMs created + hardened + injected + loaded ahead, each used once. Times the critical
    path (dispatch, bind, execution, decode) per request, and the total CPU per request."""
    program, options = snapshot.program, vm_options()
    critical, prepare_us = [], []
    cpu0, served = time.process_time(), 0
    while served < n:
        pool = []
        for _ in range(min(batch, n - served)):
            t = time.perf_counter_ns()
            late = LateBridge()
            vm = SealedVM(**options)
            vm.install_host("$host", host_functions(late.call))
            vm.run_bytecode(program.bytecode)
            pool.append((vm, late))
            prepare_us.append((time.perf_counter_ns() - t) / 1e3)
        for vm, late in pool:
            t0 = time.perf_counter_ns()
            route, params = dispatch.select_route(program.routes, request.method, request.path)
            wire_json = json.dumps(to_wire(dispatch.request_value(route, params, request)))
            late.bridge = vm_mod._Bridge(FixtureHost(), route.effects)
            raw = vm.call("$main", program.routes.index(route), wire_json, GAS_LIMIT)
            outcome = json.loads(raw)
            body = outcome["body"].encode("utf-8")
            critical.append((time.perf_counter_ns() - t0) / 1e3)
            if body != EXPECTED_BODY:
                raise SystemExit(f"prepared mode answered {body!r}")
            vm.close()
            served += 1
    cpu_us = (time.process_time() - cpu0) * 1e6 / n
    return {"critical": critical, "prepare": prepare_us, "cpu_per_request_us": cpu_us}


def measure(variants: dict, n: int, rounds: int) -> dict[str, list[float]]:
    per_round = max(1, n // rounds)
    for fn in variants.values():                      # warm-up
        for _ in range(min(per_round, 200)):
            fn(False)
    samples: dict[str, list[float]] = {k: [] for k in variants}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in variants.items():
                out = samples[name]
                for _ in range(per_round):
                    t = time.perf_counter_ns()
                    keep = fn(True)
                    out.append((time.perf_counter_ns() - t) / 1e3)
                    del keep                        # objects a variant returns are freed untimed
            gc.collect()
    finally:
        if enabled:
            gc.enable()
    return samples


def cpu_per_request(fn, n: int) -> float:
    t = time.process_time()
    for _ in range(n):
        fn(False)
    return (time.process_time() - t) * 1e6 / n


def run_node(n: int, rounds: int) -> dict | None:
    node = shutil.which("node")
    if not node:
        return None
    request = json.dumps({"method": "GET", "path": "/ping"})
    proc = subprocess.run([node, "-e", NODE_SCRIPT, str(n), str(rounds), NODE_APP, EXPECTED_BODY.decode(), request],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        print(f"node failed: {proc.stderr.strip()[-400:]}", file=sys.stderr)
        return None
    out = json.loads(proc.stdout)
    out["version"] = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    return out


# ----------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="timed requests per variant (default 2000)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--batch", type=int, default=50, help="prepared-VM pool size (default 50)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    ap.add_argument("--no-node", action="store_true", help="skip the Node.js comparison")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        snapshot, load_us = build(Path(tmp))
    request = dispatch.Request.from_target("GET", "/ping", {}, b"")
    stages = Stages(snapshot, request)

    # the paths must agree before anything is timed
    problems = []
    api = snapshot.handle(request, GAS_LIMIT)
    prog = snapshot.program.handle(request, GAS_LIMIT, FixtureHost())
    for label, body in (("snapshot.handle", api.body), ("program.handle", prog.response.body),
                        ("stage-by-stage", stages.run(False))):
        if body != EXPECTED_BODY:
            problems.append(f"{label} answered {body!r}")
    if problems:
        print("PROBLEMS:\n  " + "\n  ".join(problems))
        return 1

    variants = {
        "snapshot.handle": lambda _r: snapshot.handle(request, GAS_LIMIT),
        "program.handle": lambda _r: snapshot.program.handle(request, GAS_LIMIT, FixtureHost()),
        "stage-by-stage": stages.run,
        "runtime creation": lambda _r: bare_runtime(),
        "runtime + hardening (engine calls only)": lambda _r: bare_runtime_plus_hardening(),
    }
    samples = measure(variants, args.n, args.rounds)
    samples.update({k: v for k, v in stages.samples.items()})
    samples.pop("stage-by-stage")
    cpu = {"snapshot.handle": cpu_per_request(variants["snapshot.handle"], max(200, args.n // 4))}
    prepared = prepared_mode(snapshot, request, args.n, args.batch)
    samples["prepared: critical path"] = prepared["critical"]
    samples["prepared: preparation (off path)"] = prepared["prepare"]
    node = None if args.no_node else run_node(args.n, args.rounds)

    stats = {k: summary(v) for k, v in samples.items() if v}
    hardening = {q: stats["vm create+harden"][q] - stats["runtime creation"][q] for q in ("p50", "p99")}
    node_stats = None
    if node:
        node_stats = {k: summary(node[k]) for k in ("create", "load", "exec", "total")}

    report = {
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "engine": ENGINE, "node": node["version"] if node else None, "n": args.n, "rounds": args.rounds,
        "snapshot_load_once_us": load_us, "stats": stats, "hardening_us": hardening,
        "cpu_per_request_us": {"snapshot.handle": cpu["snapshot.handle"],
                               "prepared (incl. preparation)": prepared["cpu_per_request_us"],
                               "node": node["cpu_per_request_us"] if node else None},
        "node_stats": node_stats,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0

    print(f"Request overhead, trivial route — {ENGINE}, Python {report['python']}, {report['cpus']} CPUs, "
          f"node {report['node'] or 'not run'}; N={args.n}, {args.rounds} interleaved rounds")
    print(f"load once: Snapshot.load (read, ECDSA verify, hash, versions, manifest) {load_us:,.0f} µs\n")

    def row(label, s, node_s=None, note=""):
        line = f"  {label:34s} {s['p50']:9.1f} {s['p99']:9.1f}"
        if node_s is not None:
            line += f"   {node_s['p50']:9.1f} {node_s['p99']:9.1f}   {s['p50'] / node_s['p50']:6.2f}×"
        else:
            line += " " * 31
        print(line + (f"  {note}" if note else ""))

    ns = node_stats or {}
    print(f"  {'per request (µs)':34s} {'p50':>9s} {'p99':>9s}   {'node p50':>9s} {'node p99':>9s}   {'ratio':>7s}")
    print("  end to end")
    row("snapshot.handle (embedding API)", stats["snapshot.handle"], ns.get("total"), "vs createContext+run+call")
    row("program.handle (VM path)", stats["program.handle"], ns.get("total"))
    print("  split of program.handle (real objects, stage by stage)")
    row("dispatch (host)", stats["dispatch"])
    row("vm create+harden: SealedVM()", stats["vm create+harden"], ns.get("create"), "node: vm.createContext")
    row("  runtime creation (bare)", stats["runtime creation"], ns.get("create"))
    print(f"  {'  hardening (difference)':34s} {hardening['p50']:9.1f} {hardening['p99']:9.1f}"
          f"   {'(none)':>9s}")
    row("  runtime + hardening (engine only)", stats["runtime + hardening (engine calls only)"])
    row("effect injection: install_host", stats["effect injection"], None, "node: host object given to createContext")
    row("bytecode load: run_bytecode", stats["bytecode load"], ns.get("load"), "node: script.runInContext")
    row("execution: call $main", stats["execution"], ns.get("exec"), "node: ctx.handle(...)")
    row("close", stats["close"])
    row("decode (host) *", stats["decode"], None, "* mostly allocator work deferred from close")
    row("sum of stages (measured as one)", stats["sum of stages"], ns.get("total"))
    print("  prepared VMs (NOT the shipped path; each VM used once)")
    row("critical path: dispatch+bind+exec", stats["prepared: critical path"], ns.get("total"))
    row("preparation, off the request path", stats["prepared: preparation (off path)"])
    c = report["cpu_per_request_us"]
    print("\n  total CPU per request (process time / requests):")
    print(f"    snapshot.handle            {c['snapshot.handle']:8.1f} µs")
    print(f"    prepared VMs, incl. prep.  {c['prepared (incl. preparation)']:8.1f} µs")
    if c["node"] is not None:
        print(f"    node createContext+run     {c['node']:8.1f} µs   (ratio snapshot.handle / node "
              f"{c['snapshot.handle'] / c['node']:.2f}×)")

    crit = stats["snapshot.handle"]
    pre = stats["prepared: critical path"]
    print("\n  targets (seed §6): ≤ 60 µs best case on the critical path, ≤ 1 ms p99")
    print(f"    as shipped (everything per request): best {crit['min']:.0f} µs -> "
          f"{'PASS' if crit['min'] <= 60 else 'MISS'}; p99 {crit['p99']:.0f} µs -> "
          f"{'PASS' if crit['p99'] <= 1000 else 'MISS'}")
    print(f"    prepared VMs (critical path only):   best {pre['min']:.0f} µs -> "
          f"{'PASS' if pre['min'] <= 60 else 'MISS'}; p99 {pre['p99']:.0f} µs -> "
          f"{'PASS' if pre['p99'] <= 1000 else 'MISS'}; total CPU/request "
          f"{c['prepared (incl. preparation)']:.0f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
