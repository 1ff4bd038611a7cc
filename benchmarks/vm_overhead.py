#!/usr/bin/env python3
"""Per-request VM overhead: sealed QuickJS VM vs a bare QuickJS context vs Node.

Measures, per request, p50 and p99 over N runs (interleaved rounds, so machine
noise hits every variant alike; one warm-up round first):

  bare-context    quickjs.Runtime() + new_context()                (no hardening)
  bare-request    bare-context + read the app bytecode + call a trivial handler
  sealed-vm       SealedVM() + close()                  (runtime, context, hardening)
  sealed-request  SealedVM() + install_host + run_bytecode(app) + call(handler)
                  + close()                              (the real per-request path)
  node-request    Node `vm.createContext({})` + run the pre-compiled `vm.Script`
                  + call the handler, timed inside one `node` process (only if
                  `node` is on PATH)

and prints the hardening cost (sealed-vm − bare-context) and the ratios
sealed-request / bare-request and sealed-request / node-request.

    python benchmarks/vm_overhead.py [--n 3000] [--rounds 6] [--json]

Standard library plus the installed `mtpscript` package. The bare baseline uses
`quickjs` directly (the only code outside runtime/engine.py that does, because
it measures the engine without the wrapper). A measurement tool, not a test.
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
import time

import quickjs

from mtpscript.runtime.engine import ENGINE, SealedVM, compile_js

APP_JS = """
function handle(method, path) {
  const body = { ok: true, method: method, path: path, n: Host.add(20, 22) };
  return JSON.stringify(body);
}
"""
BARE_APP_JS = APP_JS.replace("Host.add(20, 22)", "42")  # no host namespace in a bare context
EXPECTED = '{"ok":true,"method":"GET","path":"/x","n":42}'

NODE_SCRIPT = r"""
const vm = require("vm");
// with `node -e`, the extra arguments start at process.argv[1]
const [n, rounds] = [Number(process.argv[1]), Number(process.argv[2])];
const src = process.argv[3], expected = process.argv[4];
const script = new vm.Script(src, { filename: "app.js" });
function once() {
  const t = process.hrtime.bigint();
  const ctx = vm.createContext({ Host: { add: (a, b) => a + b } });
  script.runInContext(ctx);
  const out = ctx.handle("GET", "/x");
  const dt = Number(process.hrtime.bigint() - t) / 1e3;
  if (out !== expected) throw new Error("bad result " + out);
  return dt;
}
for (let i = 0; i < Math.min(n, 200); i++) once();  // warm-up
const ts = [];
for (let r = 0; r < rounds; r++) for (let i = 0; i < Math.ceil(n / rounds); i++) ts.push(once());
process.stdout.write(JSON.stringify(ts));
"""


def bare_context() -> None:
    rt = quickjs.Runtime()
    rt.new_context()


def make_bare_request(bytecode: bytes):
    def bare_request() -> None:
        rt = quickjs.Runtime()
        ctx = rt.new_context()
        ctx.eval_function(ctx.read_object(bytecode))
        handle = ctx.get("handle")
        assert handle("GET", "/x") == EXPECTED

    return bare_request


def sealed_vm() -> None:
    SealedVM().close()


def make_sealed_request(bytecode: bytes):
    host = {"add": lambda a, b: a + b}

    def sealed_request() -> None:
        with SealedVM() as vm:
            vm.install_host("Host", host)
            vm.run_bytecode(bytecode)
            assert vm.call("handle", "GET", "/x") == EXPECTED

    return sealed_request


def percentile(sorted_us: list[float], p: float) -> float:
    return sorted_us[min(len(sorted_us) - 1, int(len(sorted_us) * p))]


def measure(variants: dict, n: int, rounds: int) -> dict[str, list[float]]:
    per_round = max(1, n // rounds)
    for fn in variants.values():  # warm-up
        for _ in range(min(per_round, 200)):
            fn()
    samples: dict[str, list[float]] = {k: [] for k in variants}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in variants.items():
                out = samples[name]
                for _ in range(per_round):
                    t = time.perf_counter()
                    fn()
                    out.append((time.perf_counter() - t) * 1e6)
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
    return samples


def measure_node(n: int, rounds: int) -> list[float] | None:
    node = shutil.which("node")
    if not node:
        return None
    proc = subprocess.run(
        [node, "-e", NODE_SCRIPT, str(n), str(rounds), APP_JS, EXPECTED],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        print(f"node failed: {proc.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout)


def node_version() -> str | None:
    node = shutil.which("node")
    if not node:
        return None
    return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=3000, help="requests per variant (default 3000)")
    ap.add_argument("--rounds", type=int, default=6, help="interleaved rounds (default 6)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    sealed_bc = compile_js(APP_JS, "app.js")
    bare_bc = compile_js(BARE_APP_JS, "app.js")
    variants = {
        "bare-context": bare_context,
        "bare-request": make_bare_request(bare_bc),
        "sealed-vm": sealed_vm,
        "sealed-request": make_sealed_request(sealed_bc),
    }
    samples = measure(variants, args.n, args.rounds)
    node = measure_node(args.n, args.rounds)
    if node is not None:
        samples["node-request"] = node

    stats = {}
    for name, us in samples.items():
        us.sort()
        stats[name] = {"n": len(us), "p50_us": percentile(us, 0.50), "p99_us": percentile(us, 0.99)}

    def ratio(a: str, b: str, q: str) -> float | None:
        if a in stats and b in stats:
            return stats[a][q] / stats[b][q]
        return None

    hardening = {
        q: stats["sealed-vm"][q] - stats["bare-context"][q] for q in ("p50_us", "p99_us")
    }
    ratios = {
        f"{a} / {b}": {q: ratio(a, b, q) for q in ("p50_us", "p99_us")}
        for a, b in (
            ("sealed-request", "bare-request"),
            ("sealed-vm", "bare-context"),
            ("sealed-request", "node-request"),
        )
        if b in stats
    }
    report = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "engine": ENGINE,
        "node": node_version(),
        "n": args.n,
        "rounds": args.rounds,
        "stats": stats,
        "hardening_us": hardening,
        "ratios": ratios,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0

    print(f"VM overhead per request — {ENGINE}, Python {report['python']}, "
          f"{report['cpus']} CPUs, node {report['node'] or 'not found'}")
    print(f"{'variant':16s} {'runs':>6s} {'p50 µs':>9s} {'p99 µs':>9s}")
    for name, s in stats.items():
        print(f"{name:16s} {s['n']:6d} {s['p50_us']:9.1f} {s['p99_us']:9.1f}")
    print(f"hardening (sealed-vm − bare-context): p50 {hardening['p50_us']:.1f} µs, "
          f"p99 {hardening['p99_us']:.1f} µs")
    for label, r in ratios.items():
        print(f"ratio {label}: p50 {r['p50_us']:.2f}×, p99 {r['p99_us']:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
