"""Determinism and the seed (issue #5 deliverables 3 and 6).

* the same request 1,000 times in-process through one Snapshot: one distinct response
  SHA-256 and one distinct audit record (the whole record, nothing left out);
* the same request in 3 separate processes with different PYTHONHASHSEED: identical
  `mtpc run --envelope` output and identical audit lines;
* the seed: the audit's seed is `compute_seed(...)` of the request's inputs, and
  different request ids give different seeds (and nothing else changes).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from mtpscript.runtime import seed as seedmod
from mtpscript.runtime.service import Snapshot, audit_line

REPEATS = 1000


@pytest.mark.parametrize("path", ["/greet/ada", "/items/42"])
def test_same_request_1000_times_in_process(app_snapshot, path):
    bodies, hashes, audits, gas = set(), set(), set(), set()
    for _ in range(REPEATS):
        result = app_snapshot.handle({"method": "GET", "path": path}, 1_000_000, request_id="req-fixed")
        bodies.add(result.body)
        hashes.add(result.sha256)
        audits.add(audit_line(result.audit))
        gas.add(result.gas_used)
    assert len(hashes) == 1 and len(bodies) == 1 and len(gas) == 1
    assert len(audits) == 1, "one distinct audit record (minus nothing)"
    (body,), (digest,) = bodies, hashes
    assert digest == hashlib.sha256(body).hexdigest()
    record = json.loads(next(iter(audits)))
    assert record["status"] == 200 and record["responseSha256"] == digest


def test_same_request_in_three_processes(svc, signed_app, tmp_path):
    logs = [tmp_path / f"audit-{i}.log" for i in range(3)]
    args = ("run", signed_app.msqs, "--key", signed_app.pub, "GET", "/items/77", "--envelope",
            "--request-id", "6f1c7d52-0b1e-4c8e-9a57-3d1f0e2b9c44", "--account-id", "210987654321",
            "--function-version", "12", "--gas-limit", "250000")
    calls = [(args + ("--audit", log), {"env": svc.clean_env(PYTHONHASHSEED=str(hs), TZ=tz)})
             for log, hs, tz in zip(logs, (0, 1, 987654321), ("UTC", "Asia/Kolkata", "America/St_Johns"))]
    procs = svc.mtpc_many(*calls, workers=3)
    for proc in procs:
        assert proc.returncode == 0, proc.stderr
    assert len({p.stdout for p in procs}) == 1, [p.stdout for p in procs]
    lines = [log.read_bytes() for log in logs]
    assert len(set(lines)) == 1, lines
    assert lines[0].count(b"\n") == 1
    envelope, record = json.loads(procs[0].stdout), json.loads(lines[0])
    assert record["responseSha256"] == envelope["sha256"]
    assert record["gasUsed"] == envelope["gasUsed"] and record["gasLimit"] == envelope["gasLimit"] == 250_000
    # ... and the in-process embedding API produces the very same record and bytes
    app = Snapshot.load(signed_app.msqs, public_key=signed_app.pub.read_bytes())
    result = app.handle({"method": "GET", "path": "/items/77"}, 250_000,
                        request_id="6f1c7d52-0b1e-4c8e-9a57-3d1f0e2b9c44", account_id="210987654321",
                        function_version="12")
    assert audit_line(result.audit) == lines[0]
    assert result.envelope() == procs[0].stdout


# -- the seed ------------------------------------------------------------------------------

def test_audit_seed_is_compute_seed_of_the_inputs(app_snapshot):
    content_hash = app_snapshot.contents.content_hash
    cases = [
        (seedmod.DEFAULT_REQUEST_ID, seedmod.DEFAULT_ACCOUNT_ID, seedmod.DEFAULT_FUNCTION_VERSION, 10_000_000),
        ("req-1", "000000000000", "$LATEST", 1),
        ("9a8b7c6d-0000-4000-8000-000000000001", "123456789012", "42", 2_000_000_000),
        ("ü-请求-🚀", "acct", "v1", 77),
    ]
    for rid, acct, ver, limit in cases:
        result = app_snapshot.handle({"method": "GET", "path": "/ping"}, limit, request_id=rid,
                                     account_id=acct, function_version=ver)
        expected = seedmod.compute_seed(rid, acct, ver, content_hash, limit)
        assert result.audit["seed"] == expected.hex()
        # independently, from the formula of spec/snapshot.md §7.1
        preimage = (rid.encode() + acct.encode() + ver.encode() + b"mtpscript-v5.1" + content_hash
                    + str(limit).encode("ascii"))
        assert result.audit["seed"] == hashlib.sha256(preimage).hexdigest()
        assert result.audit["requestId"] == rid and result.audit["gasLimit"] == limit


def test_default_ids_are_the_documented_local_run_values(app_snapshot):
    result = app_snapshot.handle({"method": "GET", "path": "/ping"}, 10_000_000)
    assert result.audit["requestId"] == "00000000-0000-0000-0000-000000000000"
    expected = seedmod.compute_seed("00000000-0000-0000-0000-000000000000", "000000000000", "$LATEST",
                                    app_snapshot.contents.content_hash, 10_000_000)
    assert result.audit["seed"] == expected.hex()


def test_different_request_ids_give_different_seeds_and_nothing_else_changes(app_snapshot):
    results = [app_snapshot.handle({"method": "GET", "path": "/greet/x"}, 100_000, request_id=f"req-{i}")
               for i in range(200)]
    assert len({r.audit["seed"] for r in results}) == 200
    assert len({r.sha256 for r in results}) == 1
    assert len({r.gas_used for r in results}) == 1
    stripped = {json.dumps({k: v for k, v in r.audit.items() if k not in ("seed", "requestId")}, sort_keys=True)
                for r in results}
    assert len(stripped) == 1


@pytest.mark.parametrize("field", ["account_id", "function_version", "gas_limit"])
def test_every_other_seed_input_changes_the_seed(app_snapshot, field):
    base = dict(request_id="r", account_id="111111111111", function_version="1")
    a = app_snapshot.handle({"method": "GET", "path": "/ping"}, 100_000, **base)
    if field == "gas_limit":
        b = app_snapshot.handle({"method": "GET", "path": "/ping"}, 100_001, **base)
    else:
        b = app_snapshot.handle({"method": "GET", "path": "/ping"}, 100_000, **{**base, field: "2"})
    assert a.audit["seed"] != b.audit["seed"]
    assert a.body == b.body


def test_seed_binds_the_snapshot(app_snapshot, svc, tmp_path):
    """The snapshot content hash is an input: the same request with the same ids and limit
    against a different program (one more route) has a different seed, same response."""
    other_source = tmp_path / "app.mtp"
    other_source.write_text(svc.service_app + '\napi GET "/extra" {\n  respond json({ "extra": true })\n}\n',
                            encoding="utf-8")
    other = Snapshot.from_source(other_source)
    assert other.contents.content_hash != app_snapshot.contents.content_hash
    a = app_snapshot.handle({"method": "GET", "path": "/ping"}, 100_000, request_id="r")
    b = other.handle({"method": "GET", "path": "/ping"}, 100_000, request_id="r")
    assert a.body == b.body
    assert a.audit["seed"] != b.audit["seed"]
    for app, result in ((app_snapshot, a), (other, b)):
        assert result.audit["snapshot"] == app.contents.content_hash_hex
        assert result.audit["seed"] == seedmod.compute_seed("r", seedmod.DEFAULT_ACCOUNT_ID,
                                                            seedmod.DEFAULT_FUNCTION_VERSION,
                                                            app.contents.content_hash, 100_000).hex()


def test_seed_known_answer_from_the_spec():
    """spec/snapshot.md §7.5: content hash 00..1f, L = 10,000,000, local-run defaults."""
    seed = seedmod.compute_seed(seedmod.DEFAULT_REQUEST_ID, seedmod.DEFAULT_ACCOUNT_ID,
                                seedmod.DEFAULT_FUNCTION_VERSION, bytes(range(32)), 10_000_000)
    assert seed.hex() == "69191d246fe1c95c3e4ac8b20a89bbe1b793e48baab5ffac4196c1c70edab01f"


@pytest.mark.parametrize("bad", [dict(request_id=""), dict(account_id=""), dict(function_version=""),
                                 dict(request_id="\ud800")])
def test_malformed_ids_are_refused_cleanly(app_snapshot, bad):
    """An id the seed formula cannot encode never reaches a VM; the caller gets a plain error."""
    with pytest.raises((ValueError, TypeError)):
        app_snapshot.handle({"method": "GET", "path": "/ping"}, 100_000, **bad)
