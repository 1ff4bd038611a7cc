"""Conformance runner: runs golden cases against any compiler command.

Usage: python tests/conformance/runner.py [--mtpc COMMAND] [--jobs N] [DIR...]
Exit status 0 when every case passes. See tests/conformance/README.md.

Two suites: check/ (diagnostics of `COMMAND check`) and run/ (response bytes and exit
status of `COMMAND run`).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    name: str
    entry: Path          # the .mtp file given to the compiler
    expected: Path | None  # None: the program must be clean

    @property
    def base(self) -> Path:
        return self.entry.parent


def discover(root: Path = ROOT / "check") -> list[Case]:
    cases = []
    for kind in ("valid", "invalid"):
        folder = root / kind
        for path in sorted(folder.iterdir()) if folder.is_dir() else ():
            if path.is_dir() and (path / "main.mtp").exists():
                entry = path / "main.mtp"
            elif path.suffix == ".mtp":
                entry = path
            else:
                continue
            expected = entry.with_suffix(".expected") if kind == "invalid" else None
            cases.append(Case(f"check/{kind}/{path.stem if path.is_file() else path.name}", entry, expected))
    return cases


@dataclass(frozen=True)
class RunCase:
    name: str
    program: Path
    args: tuple[str, ...]   # after FILE
    exit: int
    expected: Path


def discover_run(root: Path = ROOT / "run") -> list[RunCase]:
    """run/NAME.mtp starting with `// run: ARGS` and `// exit: N`, expected stdout in NAME.expected."""
    cases = []
    for path in sorted(root.glob("**/*.mtp")) if root.is_dir() else ():
        head = path.read_text(encoding="utf-8").splitlines()[:5]
        args = next((line.split(":", 1)[1] for line in head if line.startswith("// run:")), None)
        exit_ = next((line.split(":", 1)[1] for line in head if line.startswith("// exit:")), "0")
        if args is None:
            continue
        name = str(path.relative_to(root).with_suffix(""))
        cases.append(RunCase(f"run/{name}", path, tuple(shlex.split(args)), int(exit_), path.with_suffix(".expected")))
    return cases


def annex_a() -> dict[str, int]:
    with open(ROOT.parents[1] / "spec" / "annex-a-gas-v5.1.csv", encoding="utf-8") as handle:
        return {row["opcode"]: int(row["cost_beta_units"]) for row in csv.DictReader(handle)}


def expand_costs(text: str) -> str:
    """Replace ${EXPR} by its value; EXPR is integer arithmetic over Annex A opcode names."""
    costs = annex_a()

    def value(m: re.Match) -> str:
        expr = re.sub(r"OP_[A-Z0-9_]+", lambda op: str(costs[op.group()]), m.group(1))
        if not re.fullmatch(r"[0-9+\-*/() ]+", expr):
            raise ValueError(f"bad cost expression {m.group(1)!r}")
        return str(eval(expr, {"__builtins__": {}}))  # noqa: S307 - digits and operators only

    return re.sub(r"\$\{([^}]*)\}", value, text)


def run_run_case(case: RunCase, command: list[str]) -> tuple[bool, str]:
    proc = subprocess.run([*command, "run", case.program.name, *case.args], cwd=case.program.parent,
                          capture_output=True, timeout=300)
    expected = expand_costs(case.expected.read_text(encoding="utf-8")).removesuffix("\n").encode("utf-8")
    if proc.stdout != expected or proc.returncode != case.exit:
        return False, (f"exit {proc.returncode} (want {case.exit})\n expected: {expected!r}\n"
                       f" actual:   {proc.stdout!r}\n stderr: {proc.stderr.decode(errors='replace')[:500]}")
    return True, ""


def read_expected(path: Path) -> list[str]:
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return sorted(lines)


def run_case(case: Case, command: list[str]) -> tuple[bool, str]:
    """Run one case; return (passed, explanation)."""
    proc = subprocess.run([*command, "check", "--format", "json", case.entry.name], cwd=case.base,
                          capture_output=True, text=True, timeout=120)
    try:
        diagnostics = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return False, f"compiler printed no JSON (exit {proc.returncode}): {proc.stdout[:300]}{proc.stderr[:300]}"
    actual = sorted(f"{os.path.relpath(os.path.join(case.base, d['file']), case.base)}:{d['line']}:{d['column']} "
                    f"{d['code']}" for d in diagnostics)
    expected = read_expected(case.expected) if case.expected else []
    want_exit = 1 if expected else 0
    if actual != expected or proc.returncode != want_exit:
        detail = "\n".join(f"  {d['file']}:{d['line']}:{d['column']} {d['code']} {d['message']}" for d in diagnostics)
        return False, (f"exit {proc.returncode} (want {want_exit})\n expected: {expected}\n actual:   {actual}\n"
                       f"{detail}")
    return True, ""


def compiler_command(value: str | None = None) -> list[str]:
    """--mtpc, else $MTPC, else `mtpc` on PATH, else this Python's mtpscript package."""
    chosen = value or os.environ.get("MTPC")
    if chosen:
        return shlex.split(chosen)
    return ["mtpc"] if shutil.which("mtpc") else [sys.executable, "-m", "mtpscript.compiler.cli"]


def run_all(cases: list, command: list[str], jobs: int) -> dict[str, tuple[bool, str]]:
    def one(case):
        return run_run_case(case, command) if isinstance(case, RunCase) else run_case(case, command)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(zip((c.name for c in cases), pool.map(one, cases)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mtpc", help="compiler command (default: $MTPC or mtpc)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--suite", choices=("check", "run", "all"), default="all")
    args = parser.parse_args(argv)
    cases = ([*discover()] if args.suite in ("check", "all") else []) + \
            ([*discover_run()] if args.suite in ("run", "all") else [])
    results = run_all(cases, compiler_command(args.mtpc), args.jobs)
    failed = {name: why for name, (ok, why) in results.items() if not ok}
    for name, why in failed.items():
        print(f"FAIL {name}\n{why}")
    print(f"{len(cases) - len(failed)}/{len(cases)} cases passed")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main())
