#!/usr/bin/env python3
"""Per-request overhead of load-once / handle-many, split by stage, beside Node.js.

A trivial MTPScript route (`api GET "/ping" { respond json({ "ok": true }) }`; it never
reads `request`, so the VM skips decoding it — a second route, `/echo/:name`, which does,
is measured in the prepared serve loop too) is
compiled, signed and loaded ONCE with `Snapshot.load` (verification, manifest; timed
once and reported apart), then served N times. Reported per request, p50 / p99 in µs
(interleaved rounds after a warm-up; `time.perf_counter_ns`; GC paused while timing).

Without prepared VMs (everything after the request arrives):

  snapshot.handle     the embedding API end to end (dispatch, seed, new VM, audit record)
  program.handle      runtime.vm.Program.handle alone (what snapshot.handle calls)

and the split of that path, timed stage by stage on the real objects, mirroring
vm.Program.handle (runtime.engine.SealedVM, not a re-implementation):

  dispatch            route selection, request wire JSON, the effect bridge (host, Python)
  vm create+harden    SealedVM(...): new QuickJS runtime + context + the hardening script
    runtime creation    bare quickjs.Runtime() + new_context(), measured separately
    hardening           the rest of SealedVM(...): (vm create+harden) - (runtime creation)
  effect injection    vm.install_host("$host", ...) (the bridge, bound to the request later)
  bytecode load       vm.run_bytecode(snapshot bytecode)  (JS_ReadObject + the top-level script)
  sealing             vm.seal("$main"): freeze the global object, look up $main
  bind                the request's host and the route's effects bound into the bridge
  execution           vm.call("$main", ...): static initialisers, handler, gas
  close               VM teardown (after the response exists, still on this thread)
  decode              outcome JSON -> Response (host). Mostly the C allocator finishing
                      work deferred from close (the first allocations after a QuickJS heap
                      is freed pay for it)

With prepared VMs (the shipped `Snapshot.prepare`, through the public API): every stage
up to and including sealing happens in `prepare()` ahead of the request, on the serving
thread; each VM serves one request; freeing the used VM is deferred to the next
`prepare()`. Two usage patterns are measured, each on its own Snapshot object:

  serve loop   prepare() then handle(), alternately: the README's pattern (prepare after
               sending each response). The CPU caches are cold for handle() (prepare()
               just ran), which is what a real serve loop sees.
  burst        prepare(--batch) once, then --batch handle() calls back to back (warm caches).

For each: the critical path (the handle() call with a prepared VM waiting), prepare()
per VM (off the request's path) and the TOTAL CPU per request including preparation,
plus the split of the prepared critical path (api: gas limit, seed and default host;
dispatch; take + bind; execution; decode; audit record).

Then the same trivial work the way a Node.js user isolates requests, timed inside one
`node` process with process.hrtime.bigint(): a pre-compiled `vm.Script` (load-once),
and per request `vm.createContext({host})` + `script.runInContext(ctx)` + calling the
handler (no hardening: Node's context shares nothing with the main one, but its
intrinsics stay mutable). Ratios are MTPScript / Node.

    python benchmarks/request_overhead.py [--n 2000] [--rounds 5] [--batch 10] [--json] [--no-node]

Standard library plus the installed `mtpscript` package (and `quickjs`, which it
installs, for the bare-runtime baseline). A measurement tool, not a test: it never
fails because something is slow; exit 1 only if the paths disagree on the response
(body, gas, audit record).
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
from mtpscript.runtime import dispatch, seed
from mtpscript.runtime import engine as engine_mod
from mtpscript.runtime import vm as vm_mod
from mtpscript.runtime.build import compile_program
from mtpscript.runtime.engine import ENGINE, SealedVM
from mtpscript.runtime.reference import FixtureHost
from mtpscript.runtime.service import Snapshot, audit_line, gas_limit_from
from mtpscript.runtime.signing import generate_keypair, sign
from mtpscript.runtime.snapshot import write_snapshot_files

PROGRAM = ('api GET "/ping" {\n  respond json({ "ok": true })\n}\n'
           'api GET "/echo/:name" {\n  respond json({ "hello": request.params.name })\n}\n')
EXPECTED_BODY = b'{"ok":true}'
# /ping never reads `request`, so the VM skips decoding it (compiler/lowering.py); /echo
# reads a path parameter, so its request is decoded in the VM: both are reported.
ECHO_TARGET, ECHO_BODY = "/echo/ada", b'{"hello":"ada"}'
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
    return {"call": bridge_call}


def record_marks(samples: dict, names: tuple, marks: tuple, total: str) -> None:
    for name, a, b in zip(names, marks, marks[1:]):
        samples[name].append((b - a) / 1e3)
    samples[total].append((marks[-1] - marks[0]) / 1e3)


class Stages:
    """One request through the real objects, stage by stage, as vm.Program.handle does it
    without a prepared VM."""

    STAGES = ("dispatch", "vm create+harden", "effect injection", "bytecode load", "sealing", "bind",
              "execution", "close", "decode")

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
        wire_json = vm_mod.request_wire_json(route, params, request)
        host = FixtureHost()
        bridge = vm_mod._Bridge()
        index = program.routes.index(route)
        t1 = clock()
        vm = SealedVM(**self.options)
        t2 = clock()
        vm.install_host("$host", host_functions(bridge.call))
        t3 = clock()
        vm.run_bytecode(program.bytecode)
        t4 = clock()
        vm.seal("$main")
        t5 = clock()
        bridge.bind(host, route.effects)
        t6 = clock()
        raw = vm.call("$main", index, wire_json, GAS_LIMIT)
        t7 = clock()
        vm.close()
        t8 = clock()
        outcome = vm_mod._decode_outcome(raw)
        response = dispatch.Response(outcome["status"], {"content-type": outcome["type"]},
                                     outcome["body"].encode("utf-8"))
        t9 = clock()
        if record:
            record_marks(self.samples, self.STAGES, (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9), "sum of stages")
        return response.body


class PreparedStages:
    """Snapshot.handle with a prepared VM, stage by stage (the VM is prepared untimed first)."""

    STAGES = ("api: gas limit, seed, host", "dispatch: route + wire JSON", "take + bind", "execution (prepared)",
              "decode", "audit record")

    def __init__(self, snapshot: Snapshot, request: dispatch.Request):
        self.snapshot = snapshot
        self.program = snapshot.program
        self.request = request
        self.samples: dict[str, list[float]] = {s: [] for s in self.STAGES}
        self.samples["prepared: sum of stages"] = []

    def run(self, record: bool) -> bytes:
        clock = time.perf_counter_ns
        snapshot, program, request = self.snapshot, self.program, self.request
        program.prepare(1)
        t0 = clock()
        limit = gas_limit_from(GAS_LIMIT)
        request_seed = seed.compute_seed(seed.DEFAULT_REQUEST_ID, seed.DEFAULT_ACCOUNT_ID,
                                         seed.DEFAULT_FUNCTION_VERSION, snapshot.contents.content_hash, limit)
        host = FixtureHost()
        t1 = clock()
        route, params = dispatch.select_route(program.routes, request.method, request.path)
        wire_json = vm_mod.request_wire_json(route, params, request)
        t2 = clock()
        host.bind_seed(request_seed)
        vm, bridge = program._pool.ready.popleft().take()
        bridge.bind(host, route.effects)
        t3 = clock()
        raw = vm.call("$main", program.routes.index(route), wire_json, limit)
        t4 = clock()
        outcome = vm_mod._decode_outcome(raw)
        response = dispatch.Response(outcome["status"], {"content-type": outcome["type"]},
                                     outcome["body"].encode("utf-8"))
        t5 = clock()
        result = snapshot._result(request, response, outcome["gas"], limit, request_seed, seed.DEFAULT_REQUEST_ID)
        t6 = clock()
        bridge.unbind()
        vm.retire("used")
        program._pool.spent.append(vm)
        if record:
            record_marks(self.samples, self.STAGES, (t0, t1, t2, t3, t4, t5, t6), "prepared: sum of stages")
        return result.body


def bare_runtime():
    """A bare QuickJS runtime + context (returned, so that freeing it is not timed)."""
    rt = quickjs.Runtime()
    return rt, rt.new_context()


def bare_runtime_plus_hardening():
    """The engine calls SealedVM.__init__ makes, without the wrapper's Python bookkeeping."""
    rt = quickjs.Runtime()
    ctx = rt.new_context()
    return rt, ctx, ctx.eval_function(ctx.read_object(engine_mod._vm_setup_bytecode()))


class Prepared:
    """The shipped prepared mode through the public API, on a Snapshot object of its own (its
    own per-thread pool). batch=1: the serve loop (prepare(), then handle()); batch=B: a
    burst (prepare(B) once, then B handle() calls). prepare() is timed apart (per VM) from
    handle(), the request's critical path."""

    def __init__(self, contents, request: dispatch.Request, batch: int):
        self.snapshot = Snapshot(contents)
        self.request = request
        self.batch = batch
        self.critical: list[float] = []
        self.prepare: list[float] = []

    def run(self, record: bool):
        snapshot, clock = self.snapshot, time.perf_counter_ns
        if snapshot.prepared_count() == 0:
            t = clock()
            made = snapshot.prepare(self.batch)
            if record and made:
                self.prepare.append((clock() - t) / 1e3 / made)
        t = clock()
        result = snapshot.handle(self.request, GAS_LIMIT)
        if record:
            self.critical.append((clock() - t) / 1e3)
        return result


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

def fingerprint(result) -> tuple:
    return result.status, result.body, result.gas_used, audit_line(result.audit)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="timed requests per variant (default 2000)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--batch", type=int, default=10, help="prepared VMs per burst (default 10)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    ap.add_argument("--no-node", action="store_true", help="skip the Node.js comparison")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        snapshot, load_us = build(Path(tmp))
    request = dispatch.Request.from_target("GET", "/ping", {}, b"")
    stages = Stages(snapshot, request)
    prepared_stages = PreparedStages(Snapshot(snapshot.contents), request)
    serve_loop = Prepared(snapshot.contents, request, 1)
    echo_loop = Prepared(snapshot.contents, dispatch.Request.from_target("GET", ECHO_TARGET, {}, b""), 1)
    burst = Prepared(snapshot.contents, request, max(1, args.batch))

    # the paths must agree before anything is timed: body everywhere; gas and audit record
    # between prepared and unprepared handling
    problems = []
    api = snapshot.handle(request, GAS_LIMIT)
    prog = snapshot.program.handle(request, GAS_LIMIT, FixtureHost())
    for label, body in (("snapshot.handle", api.body), ("program.handle", prog.response.body),
                        ("stage-by-stage", stages.run(False)), ("prepared stage-by-stage", prepared_stages.run(False))):
        if body != EXPECTED_BODY:
            problems.append(f"{label} answered {body!r}")
    for label, mode in (("serve loop", serve_loop), ("burst", burst)):
        if fingerprint(mode.run(False)) != fingerprint(api):
            problems.append(f"prepared ({label}) differs from unprepared handling")
    echo = snapshot.handle(echo_loop.request, GAS_LIMIT)
    if echo.body != ECHO_BODY or fingerprint(echo_loop.run(False)) != fingerprint(echo):
        problems.append(f"{ECHO_TARGET}: prepared and unprepared handling differ or answer {echo.body!r}")
    if problems:
        print("PROBLEMS:\n  " + "\n  ".join(problems))
        return 1

    variants = {
        "snapshot.handle": lambda _r: snapshot.handle(request, GAS_LIMIT),
        "program.handle": lambda _r: snapshot.program.handle(request, GAS_LIMIT, FixtureHost()),
        "stage-by-stage": stages.run,
        "runtime creation": lambda _r: bare_runtime(),
        "runtime + hardening (engine calls only)": lambda _r: bare_runtime_plus_hardening(),
        "prepared: serve loop": serve_loop.run,
        "prepared: burst": burst.run,
        "prepared: echo serve loop": echo_loop.run,
        "prepared stage-by-stage": prepared_stages.run,
    }
    samples = measure(variants, args.n, args.rounds)
    for source in (stages, prepared_stages):
        samples.update(source.samples)
    for name in ("stage-by-stage", "prepared stage-by-stage", "prepared: serve loop", "prepared: burst",
                 "prepared: echo serve loop"):
        samples.pop(name)
    samples["serve loop: critical path"] = serve_loop.critical
    samples["serve loop: prepare() per VM"] = serve_loop.prepare
    samples["burst: critical path"] = burst.critical
    samples["burst: prepare() per VM"] = burst.prepare
    samples["echo serve loop: critical path"] = echo_loop.critical
    n_cpu = max(200, args.n // 4)
    cpu = {"snapshot.handle": cpu_per_request(variants["snapshot.handle"], n_cpu),
           "serve loop (prepare + handle)": cpu_per_request(serve_loop.run, n_cpu),
           "burst (prepare + handle)": cpu_per_request(burst.run, n_cpu)}
    node = None if args.no_node else run_node(args.n, args.rounds)

    stats = {k: summary(v) for k, v in samples.items() if v}
    hardening = {q: stats["vm create+harden"][q] - stats["runtime creation"][q] for q in ("p50", "p99")}
    node_stats = None
    if node:
        node_stats = {k: summary(node[k]) for k in ("create", "load", "exec", "total")}
    cpu["node"] = node["cpu_per_request_us"] if node else None

    targets = {}
    for label, key in (("unprepared (everything per request)", "snapshot.handle"),
                       ("prepared, serve loop", "serve loop: critical path"),
                       ("prepared, burst", "burst: critical path"),
                       (f"prepared, serve loop, GET {ECHO_TARGET}", "echo serve loop: critical path")):
        st = stats[key]
        targets[label] = {"best_us": st["min"], "p99_us": st["p99"], "best_pass": st["min"] <= 60,
                          "p99_pass": st["p99"] <= 1000}

    report = {
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "engine": ENGINE, "node": node["version"] if node else None, "n": args.n, "rounds": args.rounds,
        "batch": args.batch, "snapshot_load_once_us": load_us, "stats": stats, "hardening_us": hardening,
        "cpu_per_request_us": cpu, "node_stats": node_stats, "targets": targets,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0

    print(f"Request overhead, trivial route — {ENGINE}, Python {report['python']}, {report['cpus']} CPUs, "
          f"node {report['node'] or 'not run'}; N={args.n}, {args.rounds} interleaved rounds")
    print(f"load once: Snapshot.load (read, ECDSA verify, hash, versions, manifest) {load_us:,.0f} µs\n")

    def row(label, s, node_s=None, note=""):
        line = f"  {label:36s} {s['p50']:9.1f} {s['p99']:9.1f}"
        if node_s is not None:
            line += f"   {node_s['p50']:9.1f} {node_s['p99']:9.1f}   {s['p50'] / node_s['p50']:6.2f}×"
        else:
            line += " " * 31
        print(line + (f"  {note}" if note else ""))

    ns = node_stats or {}
    print(f"  {'per request (µs)':36s} {'p50':>9s} {'p99':>9s}   {'node p50':>9s} {'node p99':>9s}   {'ratio':>7s}")
    print("  without a prepared VM: end to end")
    row("snapshot.handle (embedding API)", stats["snapshot.handle"], ns.get("total"), "vs createContext+run+call")
    row("program.handle (VM path)", stats["program.handle"], ns.get("total"))
    print("  split of program.handle (real objects, stage by stage)")
    row("dispatch (host)", stats["dispatch"])
    row("vm create+harden: SealedVM()", stats["vm create+harden"], ns.get("create"), "node: vm.createContext")
    row("  runtime creation (bare)", stats["runtime creation"], ns.get("create"))
    print(f"  {'  hardening (difference)':36s} {hardening['p50']:9.1f} {hardening['p99']:9.1f}"
          f"   {'(none)':>9s}")
    row("  runtime + hardening (engine only)", stats["runtime + hardening (engine calls only)"])
    row("effect injection: install_host", stats["effect injection"], None, "node: host object given to createContext")
    row("bytecode load: run_bytecode", stats["bytecode load"], ns.get("load"), "node: script.runInContext")
    row("sealing: seal($main)", stats["sealing"])
    row("bind (host, effects)", stats["bind"])
    row("execution: call $main", stats["execution"], ns.get("exec"), "node: ctx.handle(...)")
    row("close", stats["close"])
    row("decode (host) *", stats["decode"], None, "* mostly allocator work deferred from close")
    row("sum of stages (measured as one)", stats["sum of stages"], ns.get("total"))
    print("  with prepared VMs (Snapshot.prepare; each VM serves one request)")
    row("serve loop: critical path (handle)", stats["serve loop: critical path"], ns.get("total"))
    row("serve loop: prepare(), off the path", stats["serve loop: prepare() per VM"])
    row(f"burst of {args.batch}: critical path", stats["burst: critical path"], ns.get("total"))
    row(f"burst of {args.batch}: prepare() per VM", stats["burst: prepare() per VM"])
    row("serve loop, /echo (reads request)", stats["echo serve loop: critical path"], ns.get("total"))
    print("  split of the prepared critical path (snapshot.handle, stage by stage)")
    for name in PreparedStages.STAGES:
        row(name, stats[name])
    row("sum of stages (measured as one)", stats["prepared: sum of stages"])

    print("\n  total CPU per request (process time / requests, preparation included):")
    print(f"    snapshot.handle, unprepared      {cpu['snapshot.handle']:8.1f} µs")
    print(f"    serve loop: prepare() + handle() {cpu['serve loop (prepare + handle)']:8.1f} µs")
    print(f"    burst: prepare(B) + B handle()   {cpu['burst (prepare + handle)']:8.1f} µs")
    if cpu["node"] is not None:
        print(f"    node createContext+run           {cpu['node']:8.1f} µs   (ratio unprepared / node "
              f"{cpu['snapshot.handle'] / cpu['node']:.2f}×, serve loop / node "
              f"{cpu['serve loop (prepare + handle)'] / cpu['node']:.2f}×)")

    print("\n  targets (seed §6): ≤ 60 µs best case on the request's critical path, ≤ 1 ms p99")
    for label, t in targets.items():
        print(f"    {label:36s} best {t['best_us']:7.1f} µs -> {'PASS' if t['best_pass'] else 'MISS'}; "
              f"p99 {t['p99_us']:7.1f} µs -> {'PASS' if t['p99_pass'] else 'MISS'}")
    print(f"    (prepared modes: total CPU per request {cpu['serve loop (prepare + handle)']:.0f} µs (serve loop), "
          f"{cpu['burst (prepare + handle)']:.0f} µs (burst); preparation runs on the serving thread between requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
