"""Fixtures shared by every test directory: the third-party vectors and the evidence counts.

The vectors live outside the repository (`../shared/vectors`, or $MTP_VECTORS); tests
that need them skip with a clear reason when the directory is absent. Counts recorded
by the vector and tamper tests are printed after the run, one section per kind.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
VECTORS = Path(os.environ.get("MTP_VECTORS") or REPO_ROOT.parent / "shared" / "vectors")

# section heading -> {loader or test name -> {counter: n}}
EVIDENCE: dict[str, dict[str, dict[str, int]]] = {
    "stdlib third-party vectors": {},
    "snapshot / signing evidence": {},
}


@pytest.fixture(scope="session")
def vectors() -> Path:
    if not VECTORS.is_dir():
        pytest.skip(f"third-party vectors not found at {VECTORS} (set MTP_VECTORS)")
    return VECTORS


@pytest.fixture(scope="session")
def vector_counts() -> dict[str, dict[str, int]]:
    return EVIDENCE["stdlib third-party vectors"]


@pytest.fixture(scope="session")
def snapshot_counts() -> dict[str, dict[str, int]]:
    return EVIDENCE["snapshot / signing evidence"]


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    for section, recorded in EVIDENCE.items():
        if not recorded:
            continue
        terminalreporter.section(section)
        for name in sorted(recorded):
            counts = ", ".join(f"{k}={v}" for k, v in recorded[name].items())
            terminalreporter.write_line(f"{name}: {counts}")
