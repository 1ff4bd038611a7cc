"""The ``.msqs`` snapshot container (spec/snapshot.md).

Layout (all integers big-endian; every variable-length field is u32-length-prefixed)::

    "MSQS" | u16 format=1 | u32 len, engine version | u8 bytecode version
           | u32 len, compiler version | u32 len, manifest (RFC 8785 JSON)
           | u32 len, bytecode | SHA-256 of everything before it (32 bytes)

:func:`build_snapshot` is a pure function of its arguments (no clock, path, user or
hash-seed input), so the same inputs always give the same bytes.

:func:`read_snapshot` is the only way to get bytecode out of a snapshot. Before it
returns, it has checked, in this order: the magic; the detached ECDSA-P256 signature over
the whole file (when a key is given, or required); the format version; the framing; the
content hash; the engine and bytecode versions against the QuickJS linked into this
process; the manifest. Every refusal is a :class:`SnapshotError` with a stable ``code``;
no other exception type escapes for any input bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtpscript.stdlib.json_codec import jcs_canonicalize

from . import signing

__all__ = [
    "MAGIC",
    "FORMAT_VERSION",
    "HASH_SIZE",
    "SnapshotError",
    "SnapshotContents",
    "current_engine",
    "canonical_manifest",
    "build_snapshot",
    "read_snapshot",
    "inspect_snapshot",
    "signature_path",
    "write_snapshot_files",
    "load_snapshot_file",
    "ERROR_CODES",
]

MAGIC = b"MSQS"
FORMAT_VERSION = 1
HASH_SIZE = 32
MAX_VERSION_STRING = 255
MAX_MANIFEST_DEPTH = 64
_SAFE_INT = 2**53 - 1

#: Every code a SnapshotError can carry, with its meaning (also in spec/snapshot.md §6).
ERROR_CODES = {
    "InvalidInput": "the arguments are not of the expected types or are empty",
    "InvalidManifest": "the manifest given to build_snapshot is not plain JSON data",
    "Unreadable": "the snapshot or signature file cannot be read",
    "Truncated": "the file ends before the layout says it should",
    "TrailingData": "bytes follow the content hash",
    "BadMagic": "the file does not start with the MSQS magic",
    "UnsupportedFormat": "the container format version is not one this loader reads",
    "CorruptHeader": "a version string is empty, too long or not printable ASCII",
    "HashMismatch": "the SHA-256 content hash does not match the contents",
    "EngineMismatch": "the snapshot was built for another QuickJS engine version (or byte order)",
    "BytecodeVersionMismatch": "the snapshot's bytecode version differs from this QuickJS",
    "CompilerMismatch": "the snapshot was built by another compiler version than required",
    "CorruptBytecode": "the bytecode is empty or does not carry the declared version",
    "CorruptManifest": "the manifest is not canonical JSON of the allowed shape",
    "MissingKey": "a signature is required but no public key was given",
    "MissingSignature": "a signature is required but none was given",
    "BadKey": "the public key is not a P-256 SubjectPublicKeyInfo PEM",
    "BadSignature": "the signature does not verify over the file with the key",
}


class SnapshotError(Exception):
    """A refused snapshot: ``code`` (stable, see ERROR_CODES) and a human ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


@dataclass(frozen=True)
class SnapshotContents:
    """A snapshot's contents; verified when :func:`read_snapshot` returns it (inspection parses unverified)."""

    format_version: int
    engine_version: str
    bytecode_version: int
    compiler_version: str
    manifest: dict
    manifest_json: bytes
    bytecode: bytes
    content_hash: bytes
    signed: bool

    @property
    def content_hash_hex(self) -> str:
        return self.content_hash.hex()


# -- the engine this process runs ------------------------------------------------------------

def current_engine() -> tuple[str, int]:
    """(QuickJS version string, bytecode version) of the engine this process runs.

    The engine wrapper (runtime/engine.py, the only module that imports the engine)
    reads the bytecode version from the first byte of a serialised function: QuickJS's
    ``JS_WriteObject`` always starts with ``BC_VERSION`` (and ``JS_ReadObject`` refuses
    any other first byte).
    """
    from .engine import BYTECODE_VERSION, ENGINE_VERSION

    return ENGINE_VERSION, BYTECODE_VERSION


def _check_plain_json(value: Any, code: str) -> None:
    """Only dict (str keys) / list / str / int (|n| < 2**53) / bool / None; iterative."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "manifest")]
    while stack:
        v, depth, where = stack.pop()
        if depth > MAX_MANIFEST_DEPTH:
            raise SnapshotError(code, f"{where}: nested deeper than {MAX_MANIFEST_DEPTH} levels")
        t = type(v)
        if v is None or t is bool:
            continue
        if t is int:
            if not -_SAFE_INT <= v <= _SAFE_INT:
                raise SnapshotError(code, f"{where}: integer {v} is outside ±(2**53-1)")
        elif t is str:
            _check_text(v, where, code)
        elif t is list:
            for i, item in enumerate(v):
                stack.append((item, depth + 1, f"{where}[{i}]"))
        elif t is dict:
            for k, item in v.items():
                if type(k) is not str:
                    raise SnapshotError(code, f"{where}: key {k!r} is not a string")
                _check_text(k, where, code)
                stack.append((item, depth + 1, f"{where}.{k}"))
        else:
            raise SnapshotError(code, f"{where}: {t.__name__} is not allowed "
                                      "(only str, int, bool, None, list, dict)")


def _check_text(s: str, where: str, code: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise SnapshotError(code, f"{where}: string contains a lone surrogate") from None


def canonical_manifest(manifest: dict) -> bytes:
    """The RFC 8785 (JCS) bytes of a manifest, after checking it is plain JSON data."""
    if type(manifest) is not dict:
        raise SnapshotError("InvalidManifest", f"manifest must be a dict, not {type(manifest).__name__}")
    _check_plain_json(manifest, "InvalidManifest")
    text = json.dumps(manifest, ensure_ascii=False, allow_nan=False, check_circular=False)
    return jcs_canonicalize(text)


def _reject_duplicates(pairs: list) -> dict:
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _no_float(text: str) -> Any:
    raise ValueError(f"non-integer number {text}")


def _parse_manifest(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
        manifest = json.loads(text, object_pairs_hook=_reject_duplicates, parse_float=_no_float,
                              parse_constant=_no_float)
    except (ValueError, RecursionError) as err:
        raise SnapshotError("CorruptManifest", f"manifest is not valid JSON: {err}") from None
    if type(manifest) is not dict:
        raise SnapshotError("CorruptManifest", "manifest is not a JSON object")
    _check_plain_json(manifest, "CorruptManifest")
    try:
        canonical = jcs_canonicalize(raw)
    except Exception as err:  # noqa: BLE001 - any refusal of the canonicaliser
        raise SnapshotError("CorruptManifest", f"manifest cannot be canonicalised: {err}") from None
    if canonical != raw:
        raise SnapshotError("CorruptManifest", "manifest is not in RFC 8785 canonical form")
    return manifest


# -- building ---------------------------------------------------------------------------------

def _version_bytes(value: object, name: str) -> bytes:
    if type(value) is not str:
        raise SnapshotError("InvalidInput", f"{name} must be a str, not {type(value).__name__}")
    if not value or len(value) > MAX_VERSION_STRING or not all(" " <= c <= "~" for c in value):
        raise SnapshotError("InvalidInput", f"{name} must be 1-{MAX_VERSION_STRING} printable "
                                            f"ASCII characters, got {value!r}")
    return value.encode("ascii")


def _u32(n: int) -> bytes:
    return struct.pack(">I", n)


def build_snapshot(manifest: dict, bytecode: bytes, compiler_version: str, *,
                   engine_version: str | None = None, bytecode_version: int | None = None) -> bytes:
    """The ``.msqs`` bytes of a program. Deterministic: same inputs, same bytes.

    ``engine_version`` / ``bytecode_version`` default to this process's QuickJS
    (:func:`current_engine`); override them only to build a snapshot for another engine
    (the tests use this to produce mismatching snapshots).
    """
    if engine_version is None or bytecode_version is None:
        engine, bc = current_engine()
        engine_version = engine if engine_version is None else engine_version
        bytecode_version = bc if bytecode_version is None else bytecode_version
    engine_b = _version_bytes(engine_version, "engine_version")
    compiler_b = _version_bytes(compiler_version, "compiler_version")
    if type(bytecode_version) is not int or not 0 <= bytecode_version <= 255:
        raise SnapshotError("InvalidInput", f"bytecode_version must be an int 0-255, got {bytecode_version!r}")
    if not isinstance(bytecode, (bytes, bytearray, memoryview)):
        raise SnapshotError("InvalidInput", f"bytecode must be bytes, not {type(bytecode).__name__}")
    bytecode = bytes(bytecode)
    if not bytecode:
        raise SnapshotError("InvalidInput", "bytecode is empty")
    if bytecode[0] != bytecode_version:
        raise SnapshotError("InvalidInput", f"bytecode starts with version byte {bytecode[0]}, "
                                            f"not the declared bytecode version {bytecode_version}")
    manifest_b = canonical_manifest(manifest)
    for name, part in (("manifest", manifest_b), ("bytecode", bytecode)):
        if len(part) > 0xFFFFFFFF:
            raise SnapshotError("InvalidInput", f"{name} is larger than 4 GiB")
    body = b"".join((
        MAGIC,
        struct.pack(">H", FORMAT_VERSION),
        _u32(len(engine_b)), engine_b,
        bytes((bytecode_version,)),
        _u32(len(compiler_b)), compiler_b,
        _u32(len(manifest_b)), manifest_b,
        _u32(len(bytecode)), bytecode,
    ))
    return body + hashlib.sha256(body).digest()


# -- reading ----------------------------------------------------------------------------------

class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise SnapshotError("Truncated", f"file ends inside the {what} (needs {end} bytes, "
                                             f"has {len(self.data)})")
        out = self.data[self.pos:end]
        self.pos = end
        return out

    def field(self, what: str) -> bytes:
        (n,) = struct.unpack(">I", self.take(4, f"{what} length"))
        return self.take(n, what)


def _header_text(raw: bytes, what: str) -> str:
    if not raw or len(raw) > MAX_VERSION_STRING or not all(0x20 <= b <= 0x7E for b in raw):
        raise SnapshotError("CorruptHeader", f"{what} is not 1-{MAX_VERSION_STRING} printable ASCII bytes")
    return raw.decode("ascii")


def _as_bytes(value: object, name: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise SnapshotError("InvalidInput", f"{name} must be bytes, not {type(value).__name__}")


def _check_magic(data: bytes) -> None:
    if not data:
        raise SnapshotError("Truncated", "the file is empty (0 bytes)")
    if data[:len(MAGIC)] != MAGIC[:len(data)]:
        raise SnapshotError("BadMagic", "not an MTPScript snapshot (the file does not start with 'MSQS')")
    if len(data) < len(MAGIC):
        raise SnapshotError("Truncated", f"file ends inside the magic ({len(data)} bytes)")


def _check_signature(data: bytes, signature: object, public_pem: object, require_signature: bool) -> bool:
    """True when a signature was verified; raises on every refusal."""
    if public_pem is None:
        if require_signature:
            raise SnapshotError("MissingKey", "a signed snapshot is required but no public key was given")
        return False
    if signature is None:
        raise SnapshotError("MissingSignature", "no signature was given for the snapshot "
                                                "(expected the detached DER signature, <file>.msqs.sig)")
    try:
        signing.verify(data, _as_bytes(signature, "signature"), public_pem)
    except signing.SignatureError as err:
        raise SnapshotError("BadKey" if err.code == "BadKey" else "BadSignature", err.message) from None
    return True


def _parse(data: bytes, signed: bool = False) -> SnapshotContents:
    """Framing, format version, content hash, header strings and manifest (no version policy)."""
    r = _Reader(data)
    r.take(len(MAGIC), "magic")
    (fmt,) = struct.unpack(">H", r.take(2, "format version"))
    if fmt != FORMAT_VERSION:
        raise SnapshotError("UnsupportedFormat", f"container format version {fmt} is not supported "
                                                 f"(this loader reads version {FORMAT_VERSION})")
    engine_raw = r.field("engine version")
    (bc_version,) = r.take(1, "bytecode version")
    compiler_raw = r.field("compiler version")
    manifest_raw = r.field("manifest")
    bytecode = r.field("bytecode")
    stored_hash = r.take(HASH_SIZE, "content hash")
    if r.pos != len(data):
        raise SnapshotError("TrailingData", f"{len(data) - r.pos} unexpected bytes after the content hash")
    body = data[:-HASH_SIZE]
    actual = hashlib.sha256(body).digest()
    if not hmac.compare_digest(actual, stored_hash):
        raise SnapshotError("HashMismatch", f"content hash mismatch: stored {stored_hash.hex()}, "
                                            f"computed {actual.hex()}")
    engine = _header_text(engine_raw, "engine version")
    compiler = _header_text(compiler_raw, "compiler version")
    manifest = _parse_manifest(manifest_raw)
    return SnapshotContents(fmt, engine, bc_version, compiler, manifest, manifest_raw, bytecode, stored_hash, signed)


def _check_versions(p: SnapshotContents, expected_compiler_version: str | None) -> None:
    engine, bc = current_engine()
    if sys.byteorder != "little":
        raise SnapshotError("EngineMismatch", "snapshots hold little-endian QuickJS bytecode; "
                                              f"this host is {sys.byteorder}-endian")
    if p.engine_version != engine:
        raise SnapshotError("EngineMismatch", f"snapshot was built for QuickJS {p.engine_version!r}, "
                                              f"this runtime has QuickJS {engine!r}; recompile it")
    if p.bytecode_version != bc:
        raise SnapshotError("BytecodeVersionMismatch", f"snapshot holds bytecode version "
                                                       f"{p.bytecode_version}, this QuickJS reads {bc}")
    if expected_compiler_version is not None and p.compiler_version != expected_compiler_version:
        raise SnapshotError("CompilerMismatch", f"snapshot was built by compiler {p.compiler_version!r}, "
                                                f"{expected_compiler_version!r} is required")
    if not p.bytecode or p.bytecode[0] != p.bytecode_version:
        raise SnapshotError("CorruptBytecode", "the bytecode is empty or does not start with its "
                                               "declared version byte")


def read_snapshot(data: bytes, signature: bytes | None = None, public_pem: bytes | None = None,
                  require_signature: bool = True, *,
                  expected_compiler_version: str | None = None) -> SnapshotContents:
    """Verify a snapshot and return its contents (the only source of loadable bytecode).

    With ``require_signature`` (the default) both ``signature`` (the detached DER bytes of
    ``<file>.msqs.sig``) and ``public_pem`` are needed. With ``require_signature=False`` the
    signature is still verified whenever ``public_pem`` is given. Raises SnapshotError.
    """
    data = _as_bytes(data, "snapshot")
    _check_magic(data)
    signed = _check_signature(data, signature, public_pem, require_signature)
    contents = _parse(data, signed)
    _check_versions(contents, expected_compiler_version)
    return contents


def inspect_snapshot(data: bytes, signature: bytes | None = None,
                     public_pem: bytes | None = None) -> dict:
    """Header and manifest of a snapshot as a JSON-ready dict (for ``mtpc inspect``).

    Checks the magic, the signature (only when ``public_pem`` is given), the framing, the
    content hash and the manifest, but **not** the engine versions: an incompatible
    snapshot can be inspected (``compatible`` says whether this runtime would load it).
    The bytecode itself is not returned.
    """
    data = _as_bytes(data, "snapshot")
    _check_magic(data)
    signed = _check_signature(data, signature, public_pem, False)
    p = _parse(data)
    try:
        _check_versions(p, None)
        compatible, reason = True, None
    except SnapshotError as err:
        compatible, reason = False, err.to_json()
    info = {
        "format": p.format_version,
        "engineVersion": p.engine_version,
        "bytecodeVersion": p.bytecode_version,
        "compilerVersion": p.compiler_version,
        "contentHash": p.content_hash.hex(),
        "bytecodeSize": len(p.bytecode),
        "bytecodeSha256": hashlib.sha256(p.bytecode).hexdigest(),
        "size": len(data),
        "signature": "verified" if signed else "not checked",
        "compatible": compatible,
        "manifest": p.manifest,
    }
    if reason is not None:
        info["incompatibility"] = reason
    return info


# -- files -------------------------------------------------------------------------------------

def signature_path(path: str | os.PathLike) -> Path:
    """``app.msqs`` -> ``app.msqs.sig`` (the detached signature)."""
    p = Path(path)
    return p.with_name(p.name + ".sig")


def write_snapshot_files(path: str | os.PathLike, data: bytes, signature: bytes | None = None) -> None:
    """Write ``path`` and, when given, ``path.sig``. Without a signature an existing
    ``path.sig`` is deleted, since it would belong to an older snapshot."""
    p = Path(path)
    p.write_bytes(data)
    sig = signature_path(p)
    if signature is not None:
        sig.write_bytes(signature)
    elif sig.exists():
        sig.unlink()


def load_snapshot_file(path: str | os.PathLike, public_pem: bytes | None = None,
                       require_signature: bool = True, *,
                       expected_compiler_version: str | None = None) -> SnapshotContents:
    """Read ``path`` and its detached ``path.sig`` (if present) and :func:`read_snapshot` them."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as err:
        raise SnapshotError("Unreadable", f"cannot read {p}: {err.strerror or err}") from None
    sig = signature_path(p)
    signature = None
    if public_pem is not None or require_signature:
        try:
            signature = sig.read_bytes()
        except FileNotFoundError:
            signature = None
        except OSError as err:
            raise SnapshotError("Unreadable", f"cannot read {sig}: {err.strerror or err}") from None
    try:
        return read_snapshot(data, signature, public_pem, require_signature,
                             expected_compiler_version=expected_compiler_version)
    except SnapshotError as err:
        if err.code == "MissingSignature":
            raise SnapshotError("MissingSignature", f"no signature file {sig}") from None
        raise
