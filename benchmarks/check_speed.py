#!/usr/bin/env python3
"""Front-end speed benchmark: parse, and parse + type check + effect check.

Generates deterministic MTPScript modules of typical code (records, unions,
generics, match/if, pipelines, lambdas, List/Map/String/Decimal calls, consts,
effectful functions and api routes) at several sizes, asserts that each one
checks with zero diagnostics, then times warm runs (one untimed run first,
best of N repetitions) of

  parse:        mtpscript.compiler.parser.parse(text, path, DiagnosticSink())
  parse+check:  mtpscript.compiler.modules.check_source(text, path)

Target: a 2,000-line file parses and checks in under 200 ms warm
(>= 10,000 lines/s).

    python benchmarks/check_speed.py [--reps N] [--sizes 500,2000,10000] [--json] [--emit DIR]

Standard library only (plus the installed `mtpscript` package). This is a
measurement tool, not a test: it never fails because of timing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time

from mtpscript.compiler.diagnostics import DiagnosticSink
from mtpscript.compiler.modules import check_source
from mtpscript.compiler.parser import parse

TARGET_LINES = 2000
TARGET_MS = 200.0
TARGET_TEXT = "2,000-line file parses and checks in under 200 ms warm (>= 10,000 lines/s)"

# ---------------------------------------------------------------------------
# Program generator. Templates use `@N` for the block number, so every block
# declares fresh names; a few literals vary with the block number too. The
# output depends only on the requested line count (fully deterministic).

TEMPLATE_LEDGER = """\
type Account@N { id: number, owner: string, balance: Decimal, tags: List<string> }
type Txn@N = Deposit@N(amount: Decimal) | Withdraw@N(amount: Decimal) | Fee@N(string, Decimal) | Noop@N
type Summary@N { count: number, total: Decimal, labels: List<string> }

const RATE@N: Decimal = 0.0@N
const LIMIT@N = 1@N00

// Apply one transaction to an account.
function applyTxn@N(acc: Account@N, t: Txn@N): Account@N {
  match t {
    Deposit@N(a) => { id: acc.id, owner: acc.owner, balance: acc.balance + a, tags: acc.tags },
    Withdraw@N(a) => { id: acc.id, owner: acc.owner, balance: acc.balance - a, tags: acc.tags },
    Fee@N(label, a) => {
      const charged = Decimal.round(a * (1.00 + RATE@N), 2)
      { id: acc.id, owner: acc.owner, balance: acc.balance - charged, tags: List.append(acc.tags, label) }
    }
    Noop@N => acc
  }
}

function classify@N(n: number): string {
  if (n < 0) { "negative" } else if (n == 0) { "zero" } else if (n > LIMIT@N) { "large" } else { "small" }
}

function summarize@N(txns: List<Txn@N>): Summary@N {
  const amounts = txns |> List.map((t) => match t {
    Deposit@N(a) => a,
    Withdraw@N(a) => 0.00 - a,
    Fee@N(_, a) => 0.00 - a,
    Noop@N => 0.00
  })
  const total = List.fold(amounts, 0.00, (acc, x) => acc + x)
  const labels = txns
    |> List.filter((t) => t != Noop@N)
    |> List.map((t) => classify@N(List.length(txns) * 3 % 7))
  { count: List.length(txns), total: total, labels: labels }
}

function findAccount@N(id: number): Option<Account@N> uses { DbRead, Log } {
  Log.info("findAccount@N", { "id": id })
  match DbRead.query("select * from accounts where id = ?", [JsonInt(id)]) {
    Ok(rows) => match List.get(rows, 0) {
      Some(_) => Some({ id: id, owner: "owner" + String.fromNumber(id), balance: 0.00, tags: [] }),
      None => None
    },
    Err(_) => None
  }
}

function scale@N(xs: List<number>, k: number): List<number> {
  List.range(0, List.length(xs))
    |> List.map((i) => Option.unwrapOr(List.get(xs, i), 0) * k)
    |> List.filter((x) => x % 2 == 0 || x > @N)
}

api GET "/accounts@N/:id" uses { DbRead, Log } {
  const id = Option.unwrapOr(String.toNumber(request.params.id), 0)
  match findAccount@N(id) {
    Some(acc) => respond json({ "account": acc, "kind": classify@N(id) }),
    None => respond status(404, json({ "error": "not found" }))
  }
}

api POST "/accounts@N/:id/txns" (body: List<Txn@N>) uses { DbWrite, Log } {
  const s = summarize@N(body)
  Log.info("txns", { "count": s.count })
  match DbWrite.exec("insert into txns values (?, ?)", [JsonString(request.params.id), JsonDecimal(s.total)]) {
    Ok(n) => respond json({ "written": n, "summary": s }),
    Err(e) => respond status(500, json({ "error": e.message }))
  }
}

"""

TEMPLATE_SHAPES = """\
type Pair@N<A, B> { first: A, second: B }
type Shape@N = Circle@N(number) | Rect@N(number, number) | Tri@N(base: number, height: number)
type Quote@N { currency: string, rate: Decimal }

function swap@N<A, B>(p: Pair@N<A, B>): Pair@N<B, A> { { first: p.second, second: p.first } }

function area@N(s: Shape@N): number {
  match s {
    Circle@N(r) => 314 * r * r / 100,
    Rect@N(w, h) => w * h,
    Tri@N(b, h) => b * h / 2
  }
}

function describe@N(p: Pair@N<string, number>): string {
  match p {
    { first: "origin", second: 0 } => "origin",
    { first, second } => first + ":" + Number.toString(second)
  }
}

function totalArea@N(shapes: List<Shape@N>): number {
  function add(acc: number, s: Shape@N): number { acc + area@N(s) }
  List.fold(shapes, 0, add)
}

function parseAmount@N(raw: string): Result<Decimal, string> {
  Decimal.fromString(raw) |> Result.mapErr((e) => "bad amount: " + raw)
}

function convert@N(amount: Decimal, q: Quote@N): Decimal {
  let converted = Decimal.mul(amount, q.rate)
  Decimal.round(converted, 2)
}

function jsonCount@N(j: Json): number {
  match j {
    JsonArray(items) => List.length(items),
    JsonObject(m) => Map.size(m),
    JsonNull => 0,
    _ => 1
  }
}

function tagList@N(names: List<string>): string {
  names
    |> List.map((s) => String.toUpper(String.slice(s, 0, 3)))
    |> List.sort
    |> List.join(",")
}

api GET "/shapes@N" uses { Log } {
  const shapes = [Circle@N(2), Rect@N(3, 4), Tri@N(6, @N)]
  const total = totalArea@N(shapes)
  Log.debug("area", { "total": total })
  const limit = Option.unwrapOr(Map.get(request.query, "limit"), "10")
  respond json({ "total": total, "limit": limit, "pair": swap@N({ first: 1, second: "one" }) })
}

api POST "/convert@N" uses { Async, Log } {
  const raw = match request.body { JsonString(s) => s, _ => "0" }
  match parseAmount@N(raw) {
    Ok(amount) => {
      const fx = await HttpOut.get("https://fx.example/usd-eur")
      match fx {
        Ok(resp) => {
          const q = { currency: "EUR", rate: Result.unwrapOr(Decimal.fromString(resp.body), 1.0) }
          Log.info("converted", { "status": resp.status })
          respond json({ "amount": convert@N(amount, q), "count": jsonCount@N(request.body) })
        },
        Err(e) => respond status(502, json({ "error": e.message }))
      }
    },
    Err(msg) => respond status(400, json({ "error": msg, "tags": tagList@N(["usd", "eur"]) }))
  }
}

"""

# One-line items used to pad a program to the exact requested line count.
FILLERS = (
    "const PAD@N_@J: number = @J * 3 + @N",
    "function pad@N_@J(x: number): number { if (x > @J) { x - @J } else { x * 2 } }",
    "const PADNAME@N_@J = \"pad\" + Number.toString(@J)",
    "function padList@N_@J(xs: List<number>): number { List.fold(xs, @J, (a, b) => a + b) }",
)

TEMPLATES = (TEMPLATE_LEDGER, TEMPLATE_SHAPES)


def _lines(text: str) -> int:
    return text.count("\n")


def generate(lines: int) -> str:
    """A clean MTPScript module of exactly `lines` lines (blocks of templates + one-line fillers)."""
    parts: list[str] = [f"// Generated by benchmarks/check_speed.py: {lines} lines of typical MTPScript.\n"]
    count = 1
    block = 1
    while True:
        text = TEMPLATES[(block - 1) % len(TEMPLATES)].replace("@N", str(block))
        if count + _lines(text) > lines:
            break
        parts.append(text)
        count += _lines(text)
        block += 1
    j = 0
    while count < lines:
        parts.append(FILLERS[j % len(FILLERS)].replace("@N", str(block)).replace("@J", str(j)) + "\n")
        count += 1
        j += 1
    return "".join(parts)


# ---------------------------------------------------------------------------
# Measurement


def _parse_once(text: str, path: str) -> None:
    sink = DiagnosticSink()
    parse(text, path, sink)


def _check_once(text: str, path: str) -> None:
    check_source(text, path)


def best_ms(fn, text: str, path: str, reps: int) -> float:
    fn(text, path)                      # warm-up: not timed
    best = float("inf")
    for _ in range(reps):
        gc.collect()
        start = time.perf_counter()
        fn(text, path)
        best = min(best, time.perf_counter() - start)
    return best * 1000.0


def verify_clean(text: str, path: str) -> None:
    """The benchmark must measure the real, diagnostic-free path."""
    sink = DiagnosticSink()
    parse(text, path, sink)
    problems = [f"parse: {d}" for d in sink.items]
    problems += [f"check: {d}" for d in check_source(text, path).diagnostics]
    if problems:
        sys.stderr.write(f"check_speed: generated program {path} is not clean:\n  "
                         + "\n  ".join(str(p) for p in problems[:20]) + "\n")
        sys.exit(2)


def run(sizes: list[int], reps: int, emit: str | None) -> dict:
    results = []
    for size in sizes:
        text = generate(size)
        path = f"bench_{size}.mtp"
        if emit:
            os.makedirs(emit, exist_ok=True)
            path = os.path.join(emit, path)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        verify_clean(text, path)
        lines = _lines(text)
        parse_ms = best_ms(_parse_once, text, path, reps)
        check_ms = best_ms(_check_once, text, path, reps)
        results.append({
            "lines": lines,
            "bytes": len(text.encode("utf-8")),
            "parse_ms": round(parse_ms, 3),
            "parse_lines_per_s": round(lines / (parse_ms / 1000.0)),
            "check_ms": round(check_ms, 3),
            "check_lines_per_s": round(lines / (check_ms / 1000.0)),
            "check_over_parse": round(check_ms / parse_ms, 3),
        })
    target = next((r for r in results if r["lines"] == TARGET_LINES), None)
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "reps": reps,
        "results": results,
        "target": {
            "description": TARGET_TEXT,
            "evaluated": target is not None,
            "met": None if target is None else target["check_ms"] < TARGET_MS,
            "check_ms": None if target is None else target["check_ms"],
        },
    }


def print_table(report: dict) -> None:
    print(f"MTPScript front-end speed (Python {report['python']} {report['implementation']}, "
          f"{report['machine']}; warm, best of {report['reps']})")
    header = f"{'lines':>7}  {'parse ms':>9}  {'parse lines/s':>13}  {'parse+check ms':>14}  " \
             f"{'parse+check lines/s':>19}  {'check/parse':>11}"
    print(header)
    print("-" * len(header))
    for r in report["results"]:
        print(f"{r['lines']:>7}  {r['parse_ms']:>9.1f}  {r['parse_lines_per_s']:>13,}  {r['check_ms']:>14.1f}  "
              f"{r['check_lines_per_s']:>19,}  {r['check_over_parse']:>10.2f}x")
    t = report["target"]
    if not t["evaluated"]:
        print(f"target not evaluated ({TARGET_LINES} not in --sizes): {TARGET_TEXT}")
    else:
        verdict = "MET" if t["met"] else "NOT MET"
        print(f"target {verdict}: {TARGET_TEXT} — measured {t['check_ms']:.1f} ms")


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(s) for s in value.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("sizes must be comma-separated integers, e.g. 500,2000,10000") from None
    if not sizes or any(s < 10 for s in sizes):
        raise argparse.ArgumentTypeError("each size must be at least 10 lines")
    return sizes


def _reps(value: str) -> int:
    try:
        reps = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("--reps must be a positive integer") from None
    if reps < 1:
        raise argparse.ArgumentTypeError("--reps must be a positive integer")
    return reps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=_reps, default=5, help="timed repetitions per measurement; best is kept (default 5)")
    ap.add_argument("--sizes", type=_sizes, default=[500, 2000, 10000],
                    help="comma-separated program sizes in lines (default 500,2000,10000)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--emit", metavar="DIR", help="also write the generated programs to DIR (bench_<lines>.mtp)")
    args = ap.parse_args(argv)
    report = run(args.sizes, args.reps, args.emit)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
