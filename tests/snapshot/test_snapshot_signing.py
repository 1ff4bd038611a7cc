"""ECDSA-P256/SHA-256 signing: API behaviour and the Wycheproof vectors."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from mtpscript.runtime import signing
from mtpscript.runtime.signing import P256_ORDER, SignatureError, generate_keypair, sign, verify


def test_keypair_formats(keypair):
    private_pem, public_pem = keypair
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")  # PKCS#8, unencrypted
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")  # SubjectPublicKeyInfo
    key = serialization.load_pem_private_key(private_pem, None)
    assert isinstance(key.curve, ec.SECP256R1)
    assert key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo) == public_pem


def test_sign_verify_round_trip(keypair):
    private_pem, public_pem = keypair
    sig = sign(b"hello", private_pem)
    assert sig[0] == 0x30 and 8 <= len(sig) <= 72
    assert verify(b"hello", sig, public_pem) is None
    assert verify(b"hello", sig, public_pem.decode("ascii")) is None  # str PEM accepted


def test_wrong_data_wrong_key(keypair, other_keypair):
    sig = sign(b"hello", keypair[0])
    with pytest.raises(SignatureError, match="does not match") as e:
        verify(b"hellp", sig, keypair[1])
    assert e.value.code == "BadSignature"
    with pytest.raises(SignatureError) as e:
        verify(b"hello", sig, other_keypair[1])
    assert e.value.code == "BadSignature"


def test_high_s_twin_is_accepted(keypair):
    """Plain ECDSA: (r, n-s) verifies too (Wycheproof lists both as valid). Documented in
    spec/snapshot.md §5: a signature is not an identifier; the content hash is."""
    sig = sign(b"data", keypair[0])
    r, s = decode_dss_signature(sig)
    verify(b"data", encode_dss_signature(r, P256_ORDER - s), keypair[1])


@pytest.mark.parametrize("mangle", [
    lambda s: s + b"\x00",                       # trailing byte
    lambda s: s[:-1],                            # short
    lambda s: b"",                               # empty
    lambda s: b"\x30\x81" + s[1:],               # BER long-form length
    lambda s: encode_dss_signature(0, 1),        # r = 0
    lambda s: encode_dss_signature(1, 0),        # s = 0
    lambda s: encode_dss_signature(P256_ORDER, 1),
    lambda s: b"\x00" * 70,
])
def test_malformed_signatures_refused(keypair, mangle):
    sig = sign(b"data", keypair[0])
    with pytest.raises(SignatureError) as e:
        verify(b"data", mangle(sig), keypair[1])
    assert e.value.code == "BadSignature"


def test_bad_keys_refused(keypair):
    sig = sign(b"data", keypair[0])
    p384 = ec.generate_private_key(ec.SECP384R1())
    p384_pub = p384.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    p384_priv = p384.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    for bad in (b"", b"garbage", keypair[0], p384_pub, "\u00e9", 42):
        with pytest.raises(SignatureError) as e:
            verify(b"data", sig, bad)
        assert e.value.code == "BadKey", bad
    for bad in (keypair[1], p384_priv, b"nope"):
        with pytest.raises(SignatureError) as e:
            sign(b"data", bad)
        assert e.value.code == "BadKey"


def test_signature_type_refused(keypair):
    with pytest.raises(SignatureError):
        verify(b"data", "not bytes", keypair[1])  # type: ignore[arg-type]


def test_fingerprint_is_stable(keypair):
    fp = signing.public_key_fingerprint(keypair[1])
    assert len(fp) == 64 and fp == signing.public_key_fingerprint(keypair[1].decode())


def test_write_keypair(tmp_path):
    priv, pub = signing.write_keypair(tmp_path / "key.pem")
    assert priv == tmp_path / "key.pem" and pub == tmp_path / "key.pub.pem"
    assert stat.S_IMODE(os.stat(priv).st_mode) == 0o600
    verify(b"x", sign(b"x", priv.read_bytes()), pub.read_bytes())
    with pytest.raises(FileExistsError):
        signing.write_keypair(tmp_path / "key.pem")
    signing.write_keypair(tmp_path / "key.pem", overwrite=True)
    assert signing.public_key_path("dir/signer") .name == "signer.pub.pem"


# -- Wycheproof ---------------------------------------------------------------------------

def test_wycheproof_ecdsa_p256_sha256_der(vectors, snapshot_counts):
    path = vectors / "ecdsa" / "ecdsa_secp256r1_sha256_test.json"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    doc = json.loads(path.read_text())
    counts = {"valid": 0, "invalid": 0, "acceptable": 0, "groups": 0}
    failures = []
    for group in doc["testGroups"]:
        assert group["sha"] == "SHA-256" and group["publicKey"]["curve"] == "secp256r1"
        counts["groups"] += 1
        pem = group["publicKeyPem"].encode("ascii")
        for t in group["tests"]:
            msg, sig = bytes.fromhex(t["msg"]), bytes.fromhex(t["sig"])
            try:
                verify(msg, sig, pem)
                accepted = True
            except SignatureError:
                accepted = False
            counts[t["result"]] += 1
            # Policy: "valid" must verify; "invalid" and "acceptable" are refused (strict DER).
            if accepted != (t["result"] == "valid"):
                failures.append((t["tcId"], t["result"], t["comment"], accepted))
    snapshot_counts["wycheproof ecdsa_secp256r1_sha256_test.json"] = counts
    print(f"\nWycheproof ECDSA P-256/SHA-256 (DER): {counts}")
    assert not failures, failures[:20]
    assert counts["valid"] + counts["invalid"] + counts["acceptable"] == doc["numberOfTests"]
    assert counts["valid"] > 0 and counts["invalid"] > 0


def test_fresh_keys_are_distinct():
    assert generate_keypair()[1] != generate_keypair()[1]
