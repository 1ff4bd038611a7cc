"""The gas-limit contract of the embedding API (issue #5 deliverable 4).

`handle(request, gas_limit=None)` reads MTP_GAS_LIMIT for every request (not once per
process or per Snapshot), defaults to 10,000,000, accepts 1..2,000,000,000 inclusive and
otherwise refuses the request with `{"error":"GasLimitOutOfRange",...}` before any VM
runs. The limit chosen goes into the audit record (and into the seed).
"""

from __future__ import annotations

import json

import pytest

from mtpscript.compiler.modules import check_source
from mtpscript.runtime import dispatch, seed as seedmod, vm as vmmod
from mtpscript.runtime.reference import FixtureHost

PING = {"method": "GET", "path": "/ping"}
GAS_BUG = "/tmp/mtp-service-bugs/02-gas-limit-huge-integers.md"


def _assert_refused(result, shown: str | None = None):
    assert result.status == 500
    body = json.loads(result.body)
    assert body["error"] == "GasLimitOutOfRange", body
    assert "1" in body["message"] and "2000000000" in body["message"]
    if shown is not None:
        assert body["gasLimit"] == shown
    assert result.gas_used == 0 and result.gas_limit is None
    assert result.audit["gasLimit"] is None and result.audit["seed"] is None, "refused before a VM ran"
    assert result.audit["status"] == 500 and result.audit["gasUsed"] == 0


def test_env_is_read_per_request(app_snapshot, monkeypatch):
    monkeypatch.setenv("MTP_GAS_LIMIT", "5000")
    first = app_snapshot.handle(PING)
    monkeypatch.setenv("MTP_GAS_LIMIT", "7000")
    second = app_snapshot.handle(PING)
    monkeypatch.delenv("MTP_GAS_LIMIT")
    third = app_snapshot.handle(PING)
    assert (first.gas_limit, second.gas_limit, third.gas_limit) == (5000, 7000, 10_000_000)
    assert [r.audit["gasLimit"] for r in (first, second, third)] == [5000, 7000, 10_000_000]
    assert first.body == second.body == third.body == b'{"ok":true}'
    assert len({r.audit["seed"] for r in (first, second, third)}) == 3, "the limit is a seed input"
    for r in (first, second, third):
        assert r.audit["seed"] == seedmod.compute_seed(seedmod.DEFAULT_REQUEST_ID, seedmod.DEFAULT_ACCOUNT_ID,
                                                       seedmod.DEFAULT_FUNCTION_VERSION,
                                                       app_snapshot.contents.content_hash, r.gas_limit).hex()


def test_default_is_ten_million(app_snapshot, monkeypatch):
    monkeypatch.delenv("MTP_GAS_LIMIT", raising=False)
    result = app_snapshot.handle(PING)
    assert result.gas_limit == 10_000_000 and result.audit["gasLimit"] == 10_000_000
    assert json.loads(result.envelope())["gasLimit"] == 10_000_000


def test_argument_wins_over_env(app_snapshot, monkeypatch):
    monkeypatch.setenv("MTP_GAS_LIMIT", "abc")
    result = app_snapshot.handle(PING, gas_limit=4321)
    assert result.status == 200 and result.audit["gasLimit"] == 4321


@pytest.mark.parametrize("value", ["0", "2000000001", "abc", "-1", "", " 100", "1e6", "0x10", "1.5",
                                   "\u0663\u0660\u0660", "99999999999999999999"])
def test_invalid_env_values_are_refused(app_snapshot, monkeypatch, value):
    monkeypatch.setenv("MTP_GAS_LIMIT", value)
    _assert_refused(app_snapshot.handle(PING), shown=value)


@pytest.mark.parametrize("value", [0, 2_000_000_001, "abc", -5, True, 1.0, 2**64])
def test_invalid_arguments_are_refused(app_snapshot, value):
    _assert_refused(app_snapshot.handle(PING, gas_limit=value))


def test_refusal_does_not_stick(app_snapshot, monkeypatch):
    """A refused request leaves nothing behind: the next request, with a valid env, runs."""
    monkeypatch.setenv("MTP_GAS_LIMIT", "0")
    _assert_refused(app_snapshot.handle(PING))
    monkeypatch.setenv("MTP_GAS_LIMIT", "90000")
    ok = app_snapshot.handle(PING)
    assert ok.status == 200 and ok.audit["gasLimit"] == 90000


@pytest.mark.parametrize("value,expected", [("1", 1), ("2000000000", 2_000_000_000), (1, 1),
                                            (2_000_000_000, 2_000_000_000)])
def test_bounds_are_inclusive(app_snapshot, monkeypatch, value, expected):
    monkeypatch.setenv("MTP_GAS_LIMIT", str(value))
    from_env = app_snapshot.handle(PING)
    monkeypatch.delenv("MTP_GAS_LIMIT")
    from_arg = app_snapshot.handle(PING, gas_limit=value)
    for result in (from_env, from_arg):
        assert result.gas_limit == expected and result.audit["gasLimit"] == expected
        assert result.audit["seed"] is not None
        assert json.loads(result.body).get("error") != "GasLimitOutOfRange"


def test_a_small_limit_is_exhausted_deterministically(app_snapshot):
    full = app_snapshot.handle({"method": "GET", "path": "/items/3"}, 1_000_000)
    assert full.status == 200
    limit = full.gas_used // 2
    results = [app_snapshot.handle({"method": "GET", "path": "/items/3"}, limit) for _ in range(3)]
    bodies = {r.body for r in results}
    assert len(bodies) == 1
    body = json.loads(bodies.pop())
    assert body["error"] == "GasExhausted" and body["gasLimit"] == limit and body["gasUsed"] >= limit
    assert results[0].audit["gasLimit"] == limit and results[0].audit["gasUsed"] == body["gasUsed"]
    assert results[0].status == 500


def test_exact_limit_boundary(app_snapshot):
    """spec/execution.md §2: the request stops as soon as G >= L after a charge."""
    used = app_snapshot.handle(PING, 1_000_000).gas_used
    assert json.loads(app_snapshot.handle(PING, used).body)["error"] == "GasExhausted"
    assert app_snapshot.handle(PING, used + 1).status == 200


# -- bug 02 -------------------------------------------------------------------------------------

def test_an_integer_too_large_to_print_is_a_refusal_not_an_exception(app_snapshot):
    """A host passing 10**5000 (Python refuses to convert ints over 4300 digits to text) gets
    the GasLimitOutOfRange refusal, not a ValueError from inside handle()."""
    _assert_refused(app_snapshot.handle(PING, gas_limit=10**5000))


def test_cli_names_gas_limit_out_of_range_for_a_huge_value(svc, signed_app):
    proc = svc.mtpc("run", signed_app.msqs, "--key", signed_app.pub, "GET", "/ping",
                    env=svc.clean_env(MTP_GAS_LIMIT="9" * 5000))
    svc.assert_clean_refusal(proc, 2, "GasLimitOutOfRange")


LONG_LOOP = """
function count(i: number, acc: number): number { if (i <= 0) { acc } else { count(i - 1, acc + 1) } }
api GET "/count" { respond json(count(3000000, 0)) }
"""


@pytest.mark.parametrize("prepared", [False, True])
def test_the_wall_clock_backstop_grows_with_the_gas_limit(monkeypatch, prepared):
    """Gas, not the wall clock, ends a long request: each request gets a running-time
    allowance in proportion to its gas limit (runtime/vm.py WALL_CLOCK_SECONDS_PER_GAS).
    With the fixed allowance shrunk to nothing the request still completes; with the
    per-gas allowance also removed, the backstop is what stops it."""
    monkeypatch.setattr(vmmod, "WALL_CLOCK_SECONDS", 0.001)
    program = vmmod.Program.from_check(check_source(LONG_LOOP, "count.mtp"))

    def run():
        if prepared:
            program.prepare(1)
        return program.handle(dispatch.Request("GET", "/count", {}, {}, b""), 2_000_000_000, FixtureHost())
    try:
        assert run().response.body == b"3000000"
        monkeypatch.setattr(vmmod, "WALL_CLOCK_SECONDS_PER_GAS", 0.0)
        assert run().response.body == b'{"error":"TimeLimitExceeded"}'
    finally:
        program.discard_prepared()
