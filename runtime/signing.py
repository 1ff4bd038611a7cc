"""ECDSA P-256 / SHA-256 signatures for snapshots (spec/snapshot.md §5).

Keys are PEM: PKCS#8 (unencrypted) for private keys, SubjectPublicKeyInfo for public
keys. Signatures are DER ``ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }``.

Verification is strict: the signature must be the one canonical DER encoding of (r, s)
(no BER, no trailing bytes, minimal integers) with 1 ≤ r, s < n, and the key must be a
P-256 public key. Anything else raises :class:`SignatureError`; no other exception type
escapes :func:`verify`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

__all__ = [
    "SignatureError",
    "generate_keypair",
    "sign",
    "verify",
    "load_public_key",
    "load_private_key",
    "public_key_fingerprint",
    "public_key_path",
    "write_keypair",
    "P256_ORDER",
]

#: The order n of the P-256 base point.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

_MAX_DER_SIGNATURE = 72  # 2 + 2 * (2 + 33)


class SignatureError(Exception):
    """A refused signature or key. ``code`` is ``BadSignature`` or ``BadKey``."""

    def __init__(self, message: str, code: str = "BadSignature") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _pem(value: bytes | str, what: str) -> bytes:
    if isinstance(value, str):
        try:
            return value.encode("ascii")
        except UnicodeEncodeError:
            raise SignatureError(f"{what} is not PEM text", "BadKey") from None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise SignatureError(f"{what} must be PEM bytes, not {type(value).__name__}", "BadKey")


def generate_keypair() -> tuple[bytes, bytes]:
    """A fresh P-256 key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    return private_pem, public_pem


def load_private_key(private_pem: bytes | str) -> ec.EllipticCurvePrivateKey:
    data = _pem(private_pem, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise SignatureError("the private key is encrypted; give an unencrypted PKCS#8 PEM key",
                             "BadKey") from None
    except (ValueError, UnsupportedAlgorithm) as err:
        raise SignatureError(f"not a PEM private key: {err}", "BadKey") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise SignatureError("the private key is not an ECDSA P-256 key", "BadKey")
    return key


def load_public_key(public_pem: bytes | str) -> ec.EllipticCurvePublicKey:
    data = _pem(public_pem, "public key")
    if b"PRIVATE KEY" in data:
        raise SignatureError("expected a public key (SubjectPublicKeyInfo PEM), got a private key",
                             "BadKey")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as err:
        raise SignatureError(f"not a PEM public key: {err}", "BadKey") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise SignatureError("the public key is not an ECDSA P-256 key", "BadKey")
    return key


def public_key_fingerprint(public_pem: bytes | str) -> str:
    """SHA-256 (hex) of the key's DER SubjectPublicKeyInfo: a stable key id for logs."""
    der = load_public_key(public_pem).public_bytes(serialization.Encoding.DER,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def sign(data: bytes, private_pem: bytes | str) -> bytes:
    """The DER ECDSA-P256/SHA-256 signature of ``data``."""
    key = load_private_key(private_pem)
    return key.sign(bytes(data), ec.ECDSA(hashes.SHA256()))


def _strict_der(signature: bytes) -> None:
    if not 8 <= len(signature) <= _MAX_DER_SIGNATURE:
        raise SignatureError(f"signature is not a DER ECDSA-P256 signature ({len(signature)} bytes)")
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        raise SignatureError("signature is not valid DER (SEQUENCE of two INTEGERs)") from None
    if not (1 <= r < P256_ORDER and 1 <= s < P256_ORDER):
        raise SignatureError("signature values r, s are out of range")
    if encode_dss_signature(r, s) != signature:
        raise SignatureError("signature is not in canonical DER form")


def verify(data: bytes, signature: bytes, public_pem: bytes | str) -> None:
    """Return None if ``signature`` is a valid signature of ``data``; else SignatureError."""
    key = load_public_key(public_pem)
    if not isinstance(signature, (bytes, bytearray, memoryview)):
        raise SignatureError(f"signature must be bytes, not {type(signature).__name__}")
    signature = bytes(signature)
    _strict_der(signature)
    try:
        key.verify(signature, bytes(data), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureError("signature does not match the data and the public key") from None
    except (ValueError, TypeError) as err:  # defensive: cryptography refused the input
        raise SignatureError(f"signature refused: {err}") from None


def public_key_path(private_path: str | os.PathLike) -> Path:
    """``key.pem`` -> ``key.pub.pem``; a name not ending in ``.pem`` gets ``.pub.pem`` appended."""
    p = Path(private_path)
    stem = p.name[:-4] if p.name.endswith(".pem") else p.name
    return p.with_name(stem + ".pub.pem")


def write_keypair(private_path: str | os.PathLike, overwrite: bool = False) -> tuple[Path, Path]:
    """``mtpc keygen -o key.pem``: write a new key pair to ``key.pem`` (mode 0600) and
    ``key.pub.pem``; returns both paths. Refuses (FileExistsError) to replace an existing
    file unless ``overwrite``."""
    priv_path, pub_path = Path(private_path), public_key_path(private_path)
    if not overwrite:
        for path in (priv_path, pub_path):
            if path.exists():
                raise FileExistsError(f"{path} already exists")
    private_pem, public_pem = generate_keypair()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | (0 if overwrite else os.O_EXCL)
    fd = os.open(priv_path, flags, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private_pem)
    pub_path.write_bytes(public_pem)
    return priv_path, pub_path
