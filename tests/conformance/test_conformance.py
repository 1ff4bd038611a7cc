"""Runs the golden conformance suite through the compiler's command line (see README.md)."""

from __future__ import annotations

import os

import pytest

from runner import Case, compiler_command, discover, run_all

CASES = discover()


@pytest.fixture(scope="session")
def results():
    return run_all(CASES, compiler_command(), jobs=max(2, os.cpu_count() or 2))


def test_suite_is_not_empty():
    assert sum(c.expected is None for c in CASES) >= 60
    assert sum(c.expected is not None for c in CASES) >= 120


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case: Case, results):
    ok, why = results[case.name]
    assert ok, why
