"""The per-request deterministic seed (LANGUAGE.md §8, spec/snapshot.md §7).

    seed = SHA-256( request_id ‖ account_id ‖ function_version ‖ "mtpscript-v5.1"
                    ‖ snapshot_content_hash ‖ gas_limit_ascii )

``‖`` is plain byte concatenation, exactly as the product definition writes it (no
separators, no length prefixes), so that every conforming runtime derives the same 32
bytes. The fields are encoded as:

* ``request_id``, ``account_id``, ``function_version``: the UTF-8 bytes of the string
  (non-empty; lone surrogates cannot be encoded and are refused);
* ``"mtpscript-v5.1"``: its 14 ASCII bytes;
* ``snapshot_content_hash``: the **32 raw bytes** of the snapshot's SHA-256 content hash
  (the last 32 bytes of the ``.msqs`` file); a 64-digit hex string is accepted as input
  and decoded to those 32 bytes first;
* ``gas_limit_ascii``: the gas limit in ASCII decimal, no sign, no leading zeros
  (1 ≤ L ≤ 2,000,000,000).

The seed is a pure function: no clock, no randomness, no process state.
"""

from __future__ import annotations

import hashlib
import string

__all__ = [
    "DOMAIN",
    "DEFAULT_REQUEST_ID",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_FUNCTION_VERSION",
    "MIN_GAS_LIMIT",
    "MAX_GAS_LIMIT",
    "seed_preimage",
    "compute_seed",
]

#: The version tag between the host fields and the snapshot hash.
DOMAIN = b"mtpscript-v5.1"

#: Defaults for local runs (``mtpc run`` without ``--request-id`` etc.). They have the
#: shapes of their AWS Lambda counterparts: a UUID request id, a 12-digit account id and
#: the ``$LATEST`` function version. A production host must pass real, unique values.
DEFAULT_REQUEST_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_ACCOUNT_ID = "000000000000"
DEFAULT_FUNCTION_VERSION = "$LATEST"

MIN_GAS_LIMIT = 1
MAX_GAS_LIMIT = 2_000_000_000

_HEX = frozenset(string.hexdigits)


def _text(name: str, value: object) -> bytes:
    if type(value) is not str:
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} is not encodable as UTF-8 (it contains a lone surrogate)") from None


def _content_hash(value: object) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        if len(raw) != 32:
            raise ValueError(f"snapshot_content_hash must be 32 bytes, got {len(raw)}")
        return raw
    if type(value) is str:
        if len(value) != 64 or not _HEX.issuperset(value):
            raise ValueError("snapshot_content_hash as text must be 64 hexadecimal digits")
        return bytes.fromhex(value)
    raise TypeError(f"snapshot_content_hash must be bytes or a hex str, not {type(value).__name__}")


def _gas_ascii(value: object) -> bytes:
    if type(value) is not int:  # bool is refused too
        raise TypeError(f"gas_limit must be an int, not {type(value).__name__}")
    if not MIN_GAS_LIMIT <= value <= MAX_GAS_LIMIT:
        raise ValueError(f"GasLimitOutOfRange: gas_limit must be from {MIN_GAS_LIMIT} to "
                         f"{MAX_GAS_LIMIT}, got {value}")
    return str(value).encode("ascii")  # decimal, no sign, no leading zeros


def seed_preimage(request_id: str, account_id: str, function_version: str,
                  snapshot_content_hash: bytes | str, gas_limit: int) -> bytes:
    """The exact bytes hashed by :func:`compute_seed` (for audits and tests)."""
    return b"".join((
        _text("request_id", request_id),
        _text("account_id", account_id),
        _text("function_version", function_version),
        DOMAIN,
        _content_hash(snapshot_content_hash),
        _gas_ascii(gas_limit),
    ))


def compute_seed(request_id: str, account_id: str, function_version: str,
                 snapshot_content_hash: bytes | str, gas_limit: int) -> bytes:
    """The 32-byte seed of one request. Raises TypeError/ValueError on malformed input."""
    return hashlib.sha256(seed_preimage(request_id, account_id, function_version,
                                        snapshot_content_hash, gas_limit)).digest()
