"""Fixtures for the snapshot / signing / seed tests."""

from __future__ import annotations

import struct
import hashlib

import pytest

COMPILER_VERSION = "0.1.0-test"


def sample_manifest() -> dict:
    return {
        "entry": "main",
        "gasTableHash": "9f" * 32,
        "routes": [
            {"method": "GET", "path": "/health", "effects": [], "sensitive": False, "bodyType": None},
            {"method": "POST", "path": "/pay/:id", "effects": ["Db.write", "Log"], "sensitive": True,
             "bodyType": "Payment"},
        ],
        "sourceHash": "5a" * 32,
        "unionHashes": {"PayError": "01" * 32, "Status": "02" * 32},
    }


def dummy_bytecode(version: int, size: int = 300) -> bytes:
    """Not executable: a version byte and a fixed pattern (never handed to QuickJS)."""
    return bytes([version]) + bytes((i * 7 + 3) & 0xFF for i in range(size - 1))


def assemble(*, magic=b"MSQS", fmt=1, engine=b"2025-09-13", bc_version=5, compiler=b"0.1.0-test",
             manifest=b"{}", bytecode=b"\x05", content_hash=None) -> bytes:
    """The spec/snapshot.md §2 layout, written independently of runtime/snapshot.py."""
    def lp(b: bytes) -> bytes:
        return struct.pack(">I", len(b)) + b
    body = (magic + struct.pack(">H", fmt) + lp(engine) + bytes([bc_version]) + lp(compiler)
            + lp(manifest) + lp(bytecode))
    return body + (hashlib.sha256(body).digest() if content_hash is None else content_hash)


@pytest.fixture(scope="session")
def keypair() -> tuple[bytes, bytes]:
    from mtpscript.runtime.signing import generate_keypair
    return generate_keypair()


@pytest.fixture(scope="session")
def other_keypair() -> tuple[bytes, bytes]:
    from mtpscript.runtime.signing import generate_keypair
    return generate_keypair()


@pytest.fixture(scope="session")
def engine() -> tuple[str, int]:
    from mtpscript.runtime.snapshot import current_engine
    return current_engine()


@pytest.fixture(scope="session")
def small_snapshot(engine) -> bytes:
    from mtpscript.runtime.snapshot import build_snapshot
    return build_snapshot(sample_manifest(), dummy_bytecode(engine[1]), COMPILER_VERSION)





@pytest.fixture(scope="session")
def helpers():
    """The plain helpers above, as a fixture (test modules must not import conftest)."""
    class H:
        pass
    h = H()
    h.sample_manifest = sample_manifest
    h.dummy_bytecode = dummy_bytecode
    h.assemble = assemble
    h.compiler_version = COMPILER_VERSION
    return h
