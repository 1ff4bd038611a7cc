"""The command-line contract for snapshots (issue #5 deliverables 2 and 6): keygen, compile
--sign, verify, inspect, `run app.msqs` vs `run app.mtp`, refusals and `--audit`.

Every refusal must be a clear one-line message with a stable code and exit status
(2 for `run`, 1 for `verify`), never a traceback and never a crash of the process.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import stat

import pytest

from mtpscript.runtime import seed as seedmod
from mtpscript.runtime.snapshot import HASH_SIZE, build_snapshot, current_engine, read_snapshot
from mtpscript.runtime.signing import sign

REQUESTS = [("GET", "/ping"), ("GET", "/greet/ada"), ("GET", "/greet/%C3%A9l%C3%A8ve"), ("GET", "/items/7"),
            ("GET", "/nope"), ("DELETE", "/ping")]


# -- keygen / compile --sign / verify ----------------------------------------------------------

def test_keygen_writes_private_and_public_pem(signed_app):
    private = signed_app.key.read_bytes()
    public = signed_app.pub.read_bytes()
    assert private.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert b"PRIVATE" not in public
    assert stat.S_IMODE(os.stat(signed_app.key).st_mode) & 0o077 == 0, "the private key must not be group/world readable"


def test_keygen_refuses_to_overwrite(svc, signed_app):
    before = signed_app.key.read_bytes()
    proc = svc.mtpc("keygen", "-o", signed_app.key)
    svc.assert_clean_refusal(proc, 2, "exists")
    assert signed_app.key.read_bytes() == before


def test_compile_sign_writes_a_detached_signature(signed_app):
    data = signed_app.msqs.read_bytes()
    sig = signed_app.sig.read_bytes()
    assert data[:4] == b"MSQS"
    assert 8 <= len(sig) <= 72 and sig[0] == 0x30, "a bare DER ECDSA-Sig-Value"
    contents = read_snapshot(data, sig, signed_app.pub.read_bytes())
    assert contents.signed


def test_verify_with_the_right_key(svc, signed_app):
    proc = svc.mtpc("verify", signed_app.msqs, "--key", signed_app.pub)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {"ok": True, "contentHash": signed_app.msqs.read_bytes()[-HASH_SIZE:].hex()}


def test_verify_with_a_wrong_key(svc, signed_app, tmp_path):
    other = svc.mtpc("keygen", "-o", tmp_path / "other.pem")
    assert other.returncode == 0
    proc = svc.mtpc("verify", signed_app.msqs, "--key", tmp_path / "other.pub.pem")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"] == "BadSignature"
    assert b"Traceback" not in proc.stderr


@pytest.mark.parametrize("where", ["magic", "manifest", "bytecode", "content hash", "signature"])
def test_verify_a_tampered_file(svc, signed_app, tmp_path, where):
    data = bytearray(signed_app.msqs.read_bytes())
    sig = bytearray(signed_app.sig.read_bytes())
    offsets = {"magic": 0, "manifest": data.index(b'{"'), "bytecode": len(data) - HASH_SIZE - 100,
               "content hash": len(data) - 1}
    if where == "signature":
        sig[len(sig) // 2] ^= 0x01
    else:
        data[offsets[where]] ^= 0x01
    (tmp_path / "t.msqs").write_bytes(bytes(data))
    (tmp_path / "t.msqs.sig").write_bytes(bytes(sig))
    proc = svc.mtpc("verify", tmp_path / "t.msqs", "--key", signed_app.pub)
    assert proc.returncode == 1, proc
    assert json.loads(proc.stdout)["error"] in {"BadSignature", "BadMagic"}
    assert b"Traceback" not in proc.stderr


# -- run app.msqs == run app.mtp -----------------------------------------------------------------

MODES = [(m, p, envelope) for (m, p) in REQUESTS for envelope in (True, False)]


@pytest.fixture(scope="module")
def msqs_vs_mtp(svc, signed_app):
    """(method, path, envelope) -> (run app.msqs --key, run app.mtp), all run concurrently."""
    calls = []
    for method, path, envelope in MODES:
        extra = ("--envelope",) if envelope else ()
        calls.append(("run", signed_app.msqs, "--key", signed_app.pub, method, path) + extra)
        calls.append(("run", signed_app.source, method, path) + extra)
    results = svc.mtpc_many(*calls)
    return {mode: (results[2 * i], results[2 * i + 1]) for i, mode in enumerate(MODES)}


@pytest.mark.parametrize("mode", MODES, ids=[f"{m} {p} {'envelope' if e else 'body'}" for m, p, e in MODES])
def test_run_snapshot_prints_the_same_bytes_as_run_source(msqs_vs_mtp, mode):
    from_msqs, from_mtp = msqs_vs_mtp[mode]
    assert b"Traceback" not in from_msqs.stderr + from_mtp.stderr
    assert from_msqs.stdout == from_mtp.stdout
    assert from_msqs.returncode == from_mtp.returncode
    assert from_msqs.returncode in (0, 1)
    assert from_msqs.stdout, "a body is always printed"
    if mode[2]:
        envelope = json.loads(from_msqs.stdout)
        assert envelope["sha256"] == hashlib.sha256(envelope["body"].encode("utf-8")).hexdigest()
        assert from_msqs.returncode == (0 if 200 <= envelope["status"] < 300 else 1)


def test_run_options_before_and_after_the_target(svc, signed_app):
    """`run app.msqs --key K GET /x` and `run app.msqs GET /x --key K` are the same command."""
    a = svc.mtpc("run", signed_app.msqs, "--key", signed_app.pub, "GET", "/greet/bo")
    b = svc.mtpc("run", signed_app.msqs, "GET", "/greet/bo", "--key", signed_app.pub)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout == b'{"length":2,"message":"hello, bo"}'


# -- refusals ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def unsigned_app(svc, signed_app, tmp_path_factory):
    work = tmp_path_factory.mktemp("unsigned")
    proc = svc.mtpc("compile", signed_app.source, "-o", work / "app.msqs")
    assert proc.returncode == 0, proc.stderr
    assert not (work / "app.msqs.sig").exists()
    return work / "app.msqs"


def test_unsigned_snapshot_is_refused_without_allow_unsigned(svc, unsigned_app):
    proc = svc.mtpc("run", unsigned_app, "GET", "/ping")
    svc.assert_clean_refusal(proc, 2, "mtpc: error:", "MissingKey")
    assert proc.stdout == b""


def test_unsigned_snapshot_with_a_key_is_refused(svc, unsigned_app, signed_app):
    proc = svc.mtpc("run", unsigned_app, "--key", signed_app.pub, "GET", "/ping")
    svc.assert_clean_refusal(proc, 2, "MissingSignature", ".sig")
    assert proc.stdout == b""


def test_unsigned_snapshot_runs_with_allow_unsigned(svc, unsigned_app, signed_app):
    proc = svc.mtpc("run", unsigned_app, "--allow-unsigned", "GET", "/ping")
    assert proc.returncode == 0 and proc.stdout == b'{"ok":true}'
    assert proc.stdout == svc.mtpc("run", signed_app.source, "GET", "/ping").stdout


def test_signed_snapshot_with_a_wrong_key_is_refused(svc, signed_app, tmp_path):
    assert svc.mtpc("keygen", "-o", tmp_path / "k.pem").returncode == 0
    proc = svc.mtpc("run", signed_app.msqs, "--key", tmp_path / "k.pub.pem", "GET", "/ping")
    svc.assert_clean_refusal(proc, 2, "BadSignature")
    assert proc.stdout == b""


def _bad_files(signed_app):
    data = signed_app.msqs.read_bytes()
    rng = random.Random(5)
    return {
        "truncated": data[: len(data) // 2],
        "truncated-hash": data[:-1],
        "garbage": bytes(rng.randrange(256) for _ in range(4096)),
        "garbage-with-magic": b"MSQS" + bytes(rng.randrange(256) for _ in range(4096)),
        "empty": b"",
    }


BAD = ["truncated", "truncated-hash", "garbage", "garbage-with-magic", "empty"]
#: What the loader says when the signature is not checked (--allow-unsigned).
STRUCTURAL_CODE = {"truncated": "Truncated", "truncated-hash": "Truncated", "garbage": "BadMagic",
                   "garbage-with-magic": "", "empty": "Truncated"}


@pytest.fixture(scope="module")
def bad_runs(svc, signed_app, tmp_path_factory):
    """kind -> (run with --key next to the genuine .sig, run with --allow-unsigned)."""
    work = tmp_path_factory.mktemp("bad")
    calls = []
    for kind, data in _bad_files(signed_app).items():
        (work / f"{kind}.msqs").write_bytes(data)
        (work / f"{kind}.msqs.sig").write_bytes(signed_app.sig.read_bytes())
        calls.append(("run", work / f"{kind}.msqs", "--key", signed_app.pub, "GET", "/ping"))
        calls.append(("run", work / f"{kind}.msqs", "--allow-unsigned", "GET", "/ping"))
    results = svc.mtpc_many(*calls)
    return {kind: (results[2 * i], results[2 * i + 1]) for i, kind in enumerate(_bad_files(signed_app))}


@pytest.mark.parametrize("kind", BAD)
def test_bad_file_is_refused_with_a_key(svc, bad_runs, kind):
    """Next to the genuine signature: refused before any byte is interpreted."""
    proc = bad_runs[kind][0]
    err = svc.assert_clean_refusal(proc, 2, "mtpc: error: snapshot refused:")
    assert any(code in err for code in ("BadSignature", "Truncated", "BadMagic")), err
    assert len(err.strip().splitlines()) == 1, err
    assert proc.stdout == b""


@pytest.mark.parametrize("kind", BAD)
def test_bad_file_is_refused_even_when_unsigned_is_allowed(svc, bad_runs, kind):
    proc = bad_runs[kind][1]
    err = svc.assert_clean_refusal(proc, 2, "mtpc: error: snapshot refused:", STRUCTURAL_CODE[kind])
    assert len(err.strip().splitlines()) == 1, err
    assert proc.stdout == b""


@pytest.mark.parametrize("kind", ["verify", "inspect"])
def test_garbage_is_refused_by_verify_and_inspect(svc, signed_app, tmp_path, kind):
    path = tmp_path / "bad.msqs"
    path.write_bytes(_bad_files(signed_app)["garbage"])
    args = ("verify", path, "--key", signed_app.pub) if kind == "verify" else ("inspect", path)
    proc = svc.mtpc(*args)
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["error"] in {"BadMagic", "MissingSignature", "BadSignature"}


def test_snapshot_for_another_engine_is_refused(svc, signed_app, tmp_path):
    """A genuinely signed snapshot built for another QuickJS never reaches this engine."""
    good = read_snapshot(signed_app.msqs.read_bytes(), signed_app.sig.read_bytes(), signed_app.pub.read_bytes())
    engine, _ = current_engine()
    data = build_snapshot(good.manifest, good.bytecode, good.compiler_version, engine_version="2020-01-05")
    (tmp_path / "old.msqs").write_bytes(data)
    (tmp_path / "old.msqs.sig").write_bytes(sign(data, signed_app.key.read_bytes()))
    proc = svc.mtpc("run", tmp_path / "old.msqs", "--key", signed_app.pub, "GET", "/ping")
    svc.assert_clean_refusal(proc, 2, "EngineMismatch", "2020-01-05", engine)
    verify = svc.mtpc("verify", tmp_path / "old.msqs", "--key", signed_app.pub)
    assert verify.returncode == 1 and json.loads(verify.stdout)["error"] == "EngineMismatch"


def test_missing_snapshot_file(svc, signed_app, tmp_path):
    proc = svc.mtpc("run", tmp_path / "absent.msqs", "--key", signed_app.pub, "GET", "/ping")
    svc.assert_clean_refusal(proc, 2, "absent.msqs")


def test_run_refuses_an_invalid_gas_limit(svc, signed_app):
    base = ("run", signed_app.msqs, "--key", signed_app.pub, "GET", "/ping")
    calls = [base + ("--gas-limit", "0"), base + ("--gas-limit", "2000000001"),
             (base, {"env": svc.clean_env(MTP_GAS_LIMIT="abc")}), (base, {"env": svc.clean_env(MTP_GAS_LIMIT="-1")})]
    for proc in svc.mtpc_many(*calls):
        svc.assert_clean_refusal(proc, 2, "GasLimitOutOfRange")
        assert proc.stdout == b""


def test_run_reads_mtp_gas_limit(svc, signed_app):
    base = ("run", signed_app.msqs, "--key", signed_app.pub, "GET", "/ping", "--envelope")
    with_env, without = svc.mtpc_many((base, {"env": svc.clean_env(MTP_GAS_LIMIT="123456")}), base)
    assert with_env.returncode == without.returncode == 0
    assert json.loads(with_env.stdout)["gasLimit"] == 123456
    assert json.loads(without.stdout)["gasLimit"] == 10_000_000


# -- inspect -------------------------------------------------------------------------------------

def test_inspect_prints_the_manifest_with_routes_and_effects(svc, signed_app, app_snapshot):
    proc = svc.mtpc("inspect", signed_app.msqs)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    data = signed_app.msqs.read_bytes()
    assert info["contentHash"] == data[-HASH_SIZE:].hex()
    assert info["size"] == len(data)
    assert info["compatible"] is True
    assert (info["engineVersion"], info["bytecodeVersion"]) == current_engine()
    routes = {(r["method"], r["path"]): r for r in info["manifest"]["routes"]}
    assert set(routes) == {("GET", "/ping"), ("GET", "/greet/:name"), ("GET", "/items/:id")}
    assert routes[("GET", "/ping")]["effects"] == []
    assert routes[("GET", "/items/:id")]["effects"] == ["DbRead", "Log"]
    assert routes[("GET", "/greet/:name")]["bodyType"] is None
    for key in ("gasTableHash", "sourceHash", "unionHashes"):
        assert key in info["manifest"]
    assert "bytecode" not in info, "inspect never returns the bytecode itself"
    # the manifest is the one the runtime injects effects from
    assert {(r.method, r.path): sorted(r.effects) for r in app_snapshot.program.routes} == \
        {k: v["effects"] for k, v in routes.items()}


# -- --audit ---------------------------------------------------------------------------------

def _canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def test_audit_appends_one_canonical_line_per_run(svc, signed_app, tmp_path):
    log = tmp_path / "audit.log"
    log.write_bytes(b"")
    runs = [("GET", "/ping", "req-1"), ("GET", "/items/42", "req-2"), ("GET", "/nope", "req-3"),
            ("GET", "/ping", "req-1")]
    bodies = []
    for method, path, rid in runs:
        proc = svc.mtpc("run", signed_app.msqs, "--key", signed_app.pub, method, path,
                        "--audit", log, "--request-id", rid, "--gas-limit", "500000")
        assert proc.returncode in (0, 1) and b"Traceback" not in proc.stderr
        bodies.append(proc.stdout)
        assert log.read_bytes().count(b"\n") == len(bodies), "exactly one line per run"
    raw = log.read_bytes()
    assert raw.endswith(b"\n")
    lines = raw.split(b"\n")[:-1]
    content_hash = signed_app.msqs.read_bytes()[-HASH_SIZE:]
    for line, (method, path, rid), body in zip(lines, runs, bodies):
        record = json.loads(line)
        assert set(record) == svc.audit_keys
        assert line == _canonical(record), "canonical JSON: sorted keys, no whitespace"
        assert record["requestId"] == rid
        assert record["gasLimit"] == 500_000
        assert record["snapshot"] == content_hash.hex()
        assert record["responseSha256"] == hashlib.sha256(body).hexdigest()
        assert record["seed"] == seedmod.compute_seed(rid, seedmod.DEFAULT_ACCOUNT_ID,
                                                      seedmod.DEFAULT_FUNCTION_VERSION, content_hash,
                                                      500_000).hex()
        assert isinstance(record["gasUsed"], int) and record["gasUsed"] >= 0
        assert len(record["requestSha256"]) == 64
    statuses = [json.loads(line)["status"] for line in lines]
    assert statuses == [200, 200, 404, 200]
    assert lines[0] == lines[3], "same request, same ids: the same record"
    assert json.loads(lines[2])["gasUsed"] == 0, "a 404 is decided before any guest code runs"


def test_audit_from_source_equals_audit_from_snapshot(svc, signed_app, tmp_path):
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    svc.mtpc("run", signed_app.msqs, "--key", signed_app.pub, "GET", "/items/9", "--audit", a,
             "--request-id", "r", "--account-id", "123456789012", "--function-version", "7")
    svc.mtpc("run", signed_app.source, "GET", "/items/9", "--audit", b,
             "--request-id", "r", "--account-id", "123456789012", "--function-version", "7")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes().count(b"\n") == 1
