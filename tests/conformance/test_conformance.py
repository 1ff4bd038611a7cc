"""Runs the golden conformance suite through the compiler's command line (see README.md)."""

from __future__ import annotations

import os

import pytest

from runner import compiler_command, discover, discover_run, run_all

CHECK_CASES = discover()
RUN_CASES = discover_run()
CASES = CHECK_CASES + RUN_CASES


@pytest.fixture(scope="session")
def results():
    return run_all(CASES, compiler_command(), jobs=max(2, os.cpu_count() or 2))


def test_check_suite_is_not_empty():
    assert sum(c.expected is None for c in CHECK_CASES) >= 60
    assert sum(c.expected is not None for c in CHECK_CASES) >= 120


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case, results):
    ok, why = results[case.name]
    assert ok, why
