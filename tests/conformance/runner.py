"""Conformance runner: runs golden cases against any compiler command.

Usage: python tests/conformance/runner.py [--mtpc COMMAND] [--jobs N] [DIR...]
Exit status 0 when every case passes. See tests/conformance/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
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
            cases.append(Case(f"{kind}/{path.stem if path.is_file() else path.name}", entry, expected))
    return cases


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


def run_all(cases: list[Case], command: list[str], jobs: int) -> dict[str, tuple[bool, str]]:
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(zip((c.name for c in cases), pool.map(lambda c: run_case(c, command), cases)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mtpc", help="compiler command (default: $MTPC or mtpc)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("dirs", nargs="*", type=Path, help="suite roots (default: check/)")
    args = parser.parse_args(argv)
    cases = [c for d in (args.dirs or [ROOT / "check"]) for c in discover(d)]
    results = run_all(cases, compiler_command(args.mtpc), args.jobs)
    failed = {name: why for name, (ok, why) in results.items() if not ok}
    for name, why in failed.items():
        print(f"FAIL {name}\n{why}")
    print(f"{len(cases) - len(failed)}/{len(cases)} cases passed")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main())
