"""The .msqs container: layout, round trip, reproducibility, tamper and refusal evidence.

No bytecode is ever executed here: the container tests use a fixed dummy payload that
starts with the engine's bytecode version byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import textwrap

import pytest

from mtpscript.runtime import snapshot as S
from mtpscript.runtime.signing import sign
from mtpscript.runtime.snapshot import SnapshotContents, SnapshotError, build_snapshot, read_snapshot

BIT_PATTERNS = (0x01, 0x80, 0xFF, 0x5A)


def _deep(n: int) -> list:
    v: list = []
    for _ in range(n):
        v = [v]
    return v


DEEP = _deep(100)


def refused(data, signature=None, public_pem=None, require_signature=True, **kw) -> SnapshotError:
    """Assert that loading is refused with a SnapshotError (and only that) and return it."""
    try:
        read_snapshot(data, signature, public_pem, require_signature, **kw)
    except SnapshotError as err:
        assert err.code in S.ERROR_CODES, err.code
        assert err.message and str(err).startswith(err.code + ": ")
        return err
    raise AssertionError("snapshot was accepted")


# -- layout ---------------------------------------------------------------------------------

def test_layout_matches_spec_byte_by_byte(helpers, engine):
    manifest = helpers.sample_manifest()
    bytecode = helpers.dummy_bytecode(engine[1])
    data = build_snapshot(manifest, bytecode, helpers.compiler_version)
    canonical = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    expected = helpers.assemble(engine=engine[0].encode(), bc_version=engine[1],
                                compiler=helpers.compiler_version.encode(), manifest=canonical,
                                bytecode=bytecode)
    assert data == expected
    assert data[:4] == b"MSQS" and data[4:6] == b"\x00\x01"
    (elen,) = struct.unpack(">I", data[6:10])
    assert data[10:10 + elen] == engine[0].encode() and data[10 + elen] == engine[1]
    assert data[-32:] == hashlib.sha256(data[:-32]).digest()
    assert len(data) == 55 + len(engine[0]) + len(helpers.compiler_version) + len(canonical) + len(bytecode)


def test_round_trip(helpers, engine, keypair):
    manifest = helpers.sample_manifest()
    bytecode = helpers.dummy_bytecode(engine[1])
    data = build_snapshot(manifest, bytecode, helpers.compiler_version)
    got = read_snapshot(data, sign(data, keypair[0]), keypair[1])
    assert isinstance(got, SnapshotContents)
    assert got.manifest == manifest and got.bytecode == bytecode
    assert got.compiler_version == helpers.compiler_version
    assert (got.engine_version, got.bytecode_version) == engine
    assert got.format_version == 1 and got.signed is True
    assert got.content_hash == data[-32:] and got.content_hash_hex == data[-32:].hex()
    unsigned = read_snapshot(data, None, None, require_signature=False)
    assert unsigned.signed is False and unsigned.bytecode == bytecode


def test_real_bytecode_round_trip(engine):
    import quickjs
    bc = quickjs.Context().compile("function f(x){return x+1}", "program.js").write_object()
    assert bc[0] == engine[1]
    data = build_snapshot({"routes": []}, bc, "1")
    assert read_snapshot(data, require_signature=False).bytecode == bc


def test_manifest_order_does_not_matter(helpers, engine):
    m1 = helpers.sample_manifest()
    m2 = dict(reversed(list(m1.items())))
    m2["unionHashes"] = dict(reversed(list(m1["unionHashes"].items())))
    bc = helpers.dummy_bytecode(engine[1])
    assert build_snapshot(m1, bc, "v") == build_snapshot(m2, bc, "v")


def test_manifest_is_rfc8785(engine):
    # UTF-16 code-unit order: U+E000 sorts after U+1F600 (a surrogate pair D83D...) in JCS,
    # but before it in code-point order.
    m = {"\ue000": 1, "\U0001F600": 2, "a": [True, None, -5, "\u20ac\n"]}
    data = build_snapshot(m, bytes([engine[1]]), "v")
    got = read_snapshot(data, require_signature=False)
    assert got.manifest_json == '{"a":[true,null,-5,"\u20ac\\n"],"\U0001F600":2,"\ue000":1}'.encode()
    assert got.manifest == m


# -- reproducibility -------------------------------------------------------------------------

REPRO_SCRIPT = textwrap.dedent(r"""
    import hashlib, sys, quickjs
    from mtpscript.runtime.snapshot import build_snapshot
    # Insertion order follows set iteration, which depends on PYTHONHASHSEED.
    keys = {"entry", "gasTableHash", "routes", "sourceHash", "unionHashes"}
    values = {"entry": "main", "gasTableHash": "ab" * 32, "sourceHash": "cd" * 32,
              "routes": [{"method": "GET", "path": "/a", "effects": sorted({"Log", "Db.read"}),
                          "sensitive": False, "bodyType": None}],
              "unionHashes": {name: hashlib.sha256(name.encode()).hexdigest()
                              for name in {"Alpha", "Beta", "Gamma", "Delta", "Epsilon"}}}
    manifest = {k: values[k] for k in keys}
    js = "var $r=[function(a){return {x:a+1,y:[1,'s',2.5]}}]; function $main(i,r,g){return $r[i](r)}"
    bytecode = quickjs.Context().compile(js, "program.js").write_object()
    sys.stdout.write(build_snapshot(manifest, bytecode, "0.1.0").hex())
""")


def test_reproducible_across_processes(tmp_path):
    outputs = []
    for i, hash_seed in enumerate(("0", "1", "12345")):
        cwd = tmp_path / f"dir{i}"
        cwd.mkdir()
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, TZ=("UTC", "Asia/Kolkata", "America/Denver")[i])
        proc = subprocess.run([sys.executable, "-c", REPRO_SCRIPT], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    assert outputs[0] and len(set(outputs)) == 1
    data = bytes.fromhex(outputs[0])
    assert str(tmp_path).encode() not in data  # no paths in the artefact


# -- tampering -------------------------------------------------------------------------------

def test_every_single_byte_flip_of_a_signed_snapshot_is_refused(small_snapshot, keypair, snapshot_counts):
    data = small_snapshot
    sig = sign(data, keypair[0])
    read_snapshot(data, sig, keypair[1])  # the untouched file loads
    codes: dict[str, int] = {}
    for offset in range(len(data)):
        for pattern in BIT_PATTERNS:
            tampered = bytearray(data)
            tampered[offset] ^= pattern
            err = refused(bytes(tampered), sig, keypair[1])
            codes[err.code] = codes.get(err.code, 0) + 1
            assert err.code in ("BadSignature", "BadMagic"), (offset, pattern, err)
    assert sum(codes.values()) == len(data) * len(BIT_PATTERNS)
    snapshot_counts[f"signed byte flips ({len(data)} bytes x {len(BIT_PATTERNS)} patterns)"] = codes


def test_every_single_byte_flip_without_signature_is_refused(small_snapshot, snapshot_counts):
    """Even unsigned, the framing and the content hash catch every single-byte change."""
    data = small_snapshot
    codes: dict[str, int] = {}
    for offset in range(len(data)):
        for pattern in BIT_PATTERNS:
            tampered = bytearray(data)
            tampered[offset] ^= pattern
            err = refused(bytes(tampered), require_signature=False)
            codes[err.code] = codes.get(err.code, 0) + 1
    assert sum(codes.values()) == len(data) * len(BIT_PATTERNS)
    snapshot_counts["unsigned byte flips"] = codes


def test_every_signature_byte_flip_is_refused(small_snapshot, keypair):
    sig = sign(small_snapshot, keypair[0])
    for offset in range(len(sig)):
        for pattern in BIT_PATTERNS:
            bad = bytearray(sig)
            bad[offset] ^= pattern
            assert refused(small_snapshot, bytes(bad), keypair[1]).code == "BadSignature"
    for bad in (sig[:-1], sig + b"\x00", b"", b"\x00" * len(sig), sig[::-1]):
        assert refused(small_snapshot, bad, keypair[1]).code == "BadSignature"


def test_wrong_key(small_snapshot, keypair, other_keypair):
    sig = sign(small_snapshot, keypair[0])
    err = refused(small_snapshot, sig, other_keypair[1])
    assert err.code == "BadSignature"
    assert refused(small_snapshot, sign(small_snapshot, other_keypair[0]), keypair[1]).code == "BadSignature"


def test_missing_signature_key_and_bad_key(small_snapshot, keypair):
    sig = sign(small_snapshot, keypair[0])
    assert refused(small_snapshot, None, keypair[1]).code == "MissingSignature"
    assert refused(small_snapshot, sig, None).code == "MissingKey"
    assert refused(small_snapshot, None, None).code == "MissingKey"
    assert refused(small_snapshot, None, keypair[1], require_signature=False).code == "MissingSignature"
    assert refused(small_snapshot, sig, b"not a key").code == "BadKey"
    assert refused(small_snapshot, sig, keypair[0]).code == "BadKey"  # a private key
    assert refused(small_snapshot, "sig", keypair[1]).code == "InvalidInput"


def test_truncated_at_every_length(small_snapshot, keypair, snapshot_counts):
    data = small_snapshot
    sig = sign(data, keypair[0])
    for n in range(len(data)):
        assert refused(data[:n], require_signature=False).code == "Truncated", n
        signed_code = refused(data[:n], sig, keypair[1]).code
        assert signed_code == ("Truncated" if n < 4 else "BadSignature"), n
    snapshot_counts["truncations"] = {"lengths": len(data)}


def test_trailing_data(small_snapshot, keypair):
    assert refused(small_snapshot + b"\x00", require_signature=False).code == "TrailingData"
    sig = sign(small_snapshot, keypair[0])
    assert refused(small_snapshot + b"\x00", sig, keypair[1]).code == "BadSignature"


def test_empty_file(keypair):
    assert refused(b"", require_signature=False).code == "Truncated"
    assert refused(b"", b"", keypair[1]).code == "Truncated"
    assert refused(bytearray(), require_signature=False).code == "Truncated"
    assert refused(None, require_signature=False).code == "InvalidInput"


def test_random_garbage(keypair, snapshot_counts):
    rng = random.Random(20261123)
    codes: dict[str, int] = {}
    for i in range(3000):
        size = rng.choice((1, 3, 4, 5, 16, 64, 200, 1000))
        blob = bytes(rng.getrandbits(8) for _ in range(size))
        if i % 2:  # half of them with a valid magic and format, to reach the parser
            blob = b"MSQS\x00\x01" + blob
        err = refused(blob, require_signature=False)
        codes[err.code] = codes.get(err.code, 0) + 1
        if i % 100 == 0:
            assert refused(blob, b"\x30\x06\x02\x01\x01\x02\x01\x01", keypair[1]).code in (
                "BadMagic", "BadSignature", "Truncated")
    snapshot_counts["random garbage (3000 blobs)"] = codes


def test_structural_fuzz_with_recomputed_hash(small_snapshot, snapshot_counts):
    """Mutations re-hashed (so only the parser and policy can object): the loader either
    accepts or raises SnapshotError — never any other exception."""
    rng = random.Random(7)
    body = small_snapshot[:-32]
    accepted = 0
    codes: dict[str, int] = {}
    for _ in range(3000):
        b = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            pos = rng.randrange(len(b) + 1)
            if op < 0.5 and pos < len(b):
                b[pos] = rng.getrandbits(8)
            elif op < 0.75:
                b[pos:pos] = bytes([rng.getrandbits(8)])
            elif pos < len(b):
                del b[pos]
        data = bytes(b) + hashlib.sha256(bytes(b)).digest()
        try:
            read_snapshot(data, require_signature=False)
            accepted += 1
        except SnapshotError as err:
            assert err.code in S.ERROR_CODES
            codes[err.code] = codes.get(err.code, 0) + 1
    snapshot_counts["re-hashed structural mutations (3000)"] = {"accepted": accepted, **codes}
    assert accepted < 3000


# -- version policy ----------------------------------------------------------------------------

def test_wrong_engine_version(helpers, engine, keypair):
    data = build_snapshot(helpers.sample_manifest(), helpers.dummy_bytecode(engine[1]), "v",
                          engine_version="2024-01-13")
    err = refused(data, sign(data, keypair[0]), keypair[1])
    assert err.code == "EngineMismatch" and "2024-01-13" in err.message and engine[0] in err.message
    assert refused(data, require_signature=False).code == "EngineMismatch"


def test_wrong_bytecode_version(helpers, engine, keypair):
    other = (engine[1] + 1) & 0xFF
    data = build_snapshot(helpers.sample_manifest(), helpers.dummy_bytecode(other), "v",
                          bytecode_version=other)
    err = refused(data, sign(data, keypair[0]), keypair[1])
    assert err.code == "BytecodeVersionMismatch"


def test_compiler_version_policy(small_snapshot, helpers):
    got = read_snapshot(small_snapshot, require_signature=False,
                        expected_compiler_version=helpers.compiler_version)
    assert got.compiler_version == helpers.compiler_version
    assert refused(small_snapshot, require_signature=False,
                   expected_compiler_version="9.9.9").code == "CompilerMismatch"


def test_unsupported_format(helpers, engine, keypair):
    data = helpers.assemble(fmt=2, engine=engine[0].encode(), bc_version=engine[1])
    assert refused(data, require_signature=False).code == "UnsupportedFormat"
    assert refused(data, sign(data, keypair[0]), keypair[1]).code == "UnsupportedFormat"
    assert refused(helpers.assemble(fmt=0), require_signature=False).code == "UnsupportedFormat"


def test_bad_magic(helpers):
    assert refused(helpers.assemble(magic=b"MSQT"), require_signature=False).code == "BadMagic"
    assert refused(b"\x7fELF" + b"\x00" * 100, require_signature=False).code == "BadMagic"
    assert refused(b"M", require_signature=False).code == "Truncated"
    assert refused(b"X", require_signature=False).code == "BadMagic"


def test_corrupt_header_and_bytecode(helpers, engine):
    e, v = engine[0].encode(), engine[1]
    for bad in (b"", b"2025\n09", b"\xff", b"x" * 256):
        assert refused(helpers.assemble(engine=bad, bc_version=v), require_signature=False).code == "CorruptHeader"
        assert refused(helpers.assemble(engine=e, bc_version=v, compiler=bad),
                       require_signature=False).code == "CorruptHeader"
    assert refused(helpers.assemble(engine=e, bc_version=v, bytecode=b""),
                   require_signature=False).code == "CorruptBytecode"
    assert refused(helpers.assemble(engine=e, bc_version=v, bytecode=bytes([v + 1, 0])),
                   require_signature=False).code == "CorruptBytecode"


@pytest.mark.parametrize("manifest", [
    b"", b"[]", b"null", b"{", b'{"a":1.5}', b'{"a":NaN}', b'{"a":1,"a":1}', b'{"b":1,"a":2}',
    b'{ "a":1}', b'{"a":"\\u0041"}', b'{"a":9007199254740993}', b'{"a":"\xff"}', b'{"a":"\\ud800"}',
    b"\xef\xbb\xbf{}", b"[" * 100 + b"]" * 100, b'{"a":' + b"[" * 100 + b"]" * 100 + b"}",
])
def test_corrupt_manifest(helpers, engine, manifest):
    data = helpers.assemble(engine=engine[0].encode(), bc_version=engine[1], manifest=manifest)
    assert refused(data, require_signature=False).code == "CorruptManifest"


# -- build-time validation -------------------------------------------------------------------

@pytest.mark.parametrize("manifest", [
    [], None, {"a": 1.0}, {"a": (1, 2)}, {"a": {1, 2}}, {1: "x"}, {"a": "\ud800"}, {"\udfff": 1},
    {"a": 2**53}, {"a": -(2**53)}, {"a": b"x"}, {"a": object()}, {"a": DEEP},
])
def test_build_refuses_non_json_manifest(manifest, engine):
    with pytest.raises(SnapshotError) as e:
        build_snapshot(manifest, bytes([engine[1]]), "v")
    assert e.value.code == "InvalidManifest"


def test_build_refuses_bad_inputs(engine):
    bc = bytes([engine[1]])
    for kwargs in ({"bytecode": b""}, {"bytecode": "x"}, {"bytecode": bytes([engine[1] + 1])},
                   {"compiler_version": ""}, {"compiler_version": "a\nb"}, {"compiler_version": 1},
                   {"compiler_version": "é"}, {"engine_version": ""}, {"bytecode_version": 256},
                   {"bytecode_version": -1}, {"bytecode_version": True}):
        args = {"manifest": {}, "bytecode": bc, "compiler_version": "v"} | kwargs
        with pytest.raises(SnapshotError) as e:
            build_snapshot(**args)
        assert e.value.code == "InvalidInput", kwargs


# -- inspect and files -------------------------------------------------------------------------

def test_inspect(small_snapshot, helpers, engine, keypair):
    info = S.inspect_snapshot(small_snapshot)
    assert info["manifest"] == helpers.sample_manifest()
    assert info["compatible"] is True and info["signature"] == "not checked"
    assert info["contentHash"] == small_snapshot[-32:].hex()
    assert json.loads(json.dumps(info)) == info
    signed = S.inspect_snapshot(small_snapshot, sign(small_snapshot, keypair[0]), keypair[1])
    assert signed["signature"] == "verified"
    old = build_snapshot({"routes": []}, bytes([engine[1]]), "v", engine_version="2020-01-01")
    info = S.inspect_snapshot(old)
    assert info["compatible"] is False and info["incompatibility"]["error"] == "EngineMismatch"
    with pytest.raises(SnapshotError):
        S.inspect_snapshot(small_snapshot[:-1])


def test_files(tmp_path, small_snapshot, keypair):
    path = tmp_path / "app.msqs"
    S.write_snapshot_files(path, small_snapshot, sign(small_snapshot, keypair[0]))
    assert S.signature_path(path) == tmp_path / "app.msqs.sig"
    got = S.load_snapshot_file(path, keypair[1])
    assert got.signed and got.content_hash == small_snapshot[-32:]
    S.write_snapshot_files(path, small_snapshot)  # unsigned rebuild removes the stale .sig
    assert not S.signature_path(path).exists()
    with pytest.raises(SnapshotError) as e:
        S.load_snapshot_file(path, keypair[1])
    assert e.value.code == "MissingSignature" and "app.msqs.sig" in e.value.message
    assert S.load_snapshot_file(path, require_signature=False).signed is False
    with pytest.raises(SnapshotError) as e:
        S.load_snapshot_file(tmp_path / "nope.msqs", keypair[1])
    assert e.value.code == "Unreadable"
    with pytest.raises(SnapshotError) as e:
        S.load_snapshot_file(tmp_path, keypair[1])
    assert e.value.code == "Unreadable"


def test_error_json_shape():
    err = SnapshotError("BadMagic", "nope")
    assert err.to_json() == {"error": "BadMagic", "message": "nope"}


def test_spec_documents_every_error_code_and_the_layout():
    from pathlib import Path
    spec = (Path(__file__).resolve().parents[2] / "spec" / "snapshot.md").read_text(encoding="utf-8")
    missing = [code for code in S.ERROR_CODES if f"`{code}`" not in spec]
    assert not missing, f"spec/snapshot.md does not mention {missing}"
    assert "N = 55 + E + C + M + B" in spec and S.MAGIC.decode() in spec
