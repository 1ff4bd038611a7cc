"""Fixtures for the stdlib tests: where the third-party vectors live, and a summary of
how many vectors each loader checked (printed at the end of the run)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
VECTORS = Path(os.environ.get("MTP_VECTORS") or REPO_ROOT.parent / "shared" / "vectors")

#: loader name -> {"counter": n, ...}; filled by the vector tests.
VECTOR_COUNTS: dict[str, dict[str, int]] = {}


@pytest.fixture(scope="session")
def vectors() -> Path:
    if not VECTORS.is_dir():
        pytest.skip(f"third-party vectors not found at {VECTORS} (set MTP_VECTORS)")
    return VECTORS


@pytest.fixture(scope="session")
def vector_counts() -> dict[str, dict[str, int]]:
    return VECTOR_COUNTS


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    if not VECTOR_COUNTS:
        return
    terminalreporter.section("stdlib third-party vectors")
    for name in sorted(VECTOR_COUNTS):
        counts = ", ".join(f"{k}={v}" for k, v in VECTOR_COUNTS[name].items())
        terminalreporter.write_line(f"{name}: {counts}")
