"""Known-answer tests for the deterministic seed (LANGUAGE.md §8, spec/snapshot.md §7).

Each expected digest is recomputed here with hashlib from the documented byte layout
(UTF-8 strings, the content hash as 32 raw bytes, the gas limit in ASCII decimal, plain
concatenation) and is also pinned as a literal, so a change of either the code or the
layout is caught.
"""

from __future__ import annotations

import hashlib

import pytest

from mtpscript.runtime import seed
from mtpscript.runtime.seed import compute_seed, seed_preimage

HASH_A = bytes(range(32))
HASH_FF = b"\xff" * 32
HASH_00 = b"\x00" * 32

# (request_id, account_id, function_version, content hash, gas limit, pinned seed hex)
KAT = [
    ("00000000-0000-0000-0000-000000000000", "000000000000", "$LATEST", HASH_A, 10_000_000,
     "69191d246fe1c95c3e4ac8b20a89bbe1b793e48baab5ffac4196c1c70edab01f"),
    ("c0ffee00-1234-4abc-8def-0123456789ab", "123456789012", "42", HASH_FF, 1,
     "fe1428fcbe2fabc274e079608ad83a8fb26de2a500517ef011553a8648ae224e"),
    ("r\u00e9q-\u00fc-\u20ac-\U0001F600", "acct", "v1", HASH_00, 2_000_000_000,
     "28c63424cfb3a0771965fd9b9c4908a0b6d2527a69ccb443f58b363d53c39b7a"),
]


def independent(request_id: str, account_id: str, function_version: str, h: bytes, gas: int) -> bytes:
    preimage = (request_id.encode("utf-8") + account_id.encode("utf-8")
                + function_version.encode("utf-8") + b"mtpscript-v5.1" + h + b"%d" % gas)
    return hashlib.sha256(preimage).digest()


@pytest.mark.parametrize("rid,acct,ver,h,gas,pinned", KAT)
def test_known_answers(rid, acct, ver, h, gas, pinned):
    got = compute_seed(rid, acct, ver, h, gas)
    assert len(got) == 32
    assert got == independent(rid, acct, ver, h, gas)
    assert got.hex() == pinned


@pytest.mark.parametrize("rid,acct,ver,h,gas,pinned", KAT)
def test_hex_content_hash_is_the_same_32_bytes(rid, acct, ver, h, gas, pinned):
    assert compute_seed(rid, acct, ver, h.hex(), gas).hex() == pinned
    assert compute_seed(rid, acct, ver, h.hex().upper(), gas).hex() == pinned
    assert compute_seed(rid, acct, ver, bytearray(h), gas).hex() == pinned


def test_preimage_layout_byte_by_byte():
    pre = seed_preimage("R", "A", "F", HASH_A, 10_000_000)
    assert pre == b"RAFmtpscript-v5.1" + HASH_A + b"10000000"
    assert len(pre) == 3 + 14 + 32 + 8


def test_defaults_are_documented_values():
    assert seed.DEFAULT_REQUEST_ID == "00000000-0000-0000-0000-000000000000"
    assert seed.DEFAULT_ACCOUNT_ID == "000000000000"
    assert seed.DEFAULT_FUNCTION_VERSION == "$LATEST"
    assert seed.DOMAIN == b"mtpscript-v5.1"
    rid, acct, ver, h, gas, pinned = KAT[0]
    assert (rid, acct, ver) == (seed.DEFAULT_REQUEST_ID, seed.DEFAULT_ACCOUNT_ID, seed.DEFAULT_FUNCTION_VERSION)


@pytest.mark.parametrize("gas,ascii_", [(1, b"1"), (10, b"10"), (10_000_000, b"10000000"),
                                        (2_000_000_000, b"2000000000")])
def test_gas_limit_ascii_decimal_without_leading_zeros(gas, ascii_):
    assert seed_preimage("r", "a", "f", HASH_A, gas).endswith(HASH_A + ascii_)


@pytest.mark.parametrize("gas", [0, -1, 2_000_000_001, 2**64])
def test_gas_limit_out_of_range_refused(gas):
    with pytest.raises(ValueError, match="GasLimitOutOfRange"):
        compute_seed("r", "a", "f", HASH_A, gas)


@pytest.mark.parametrize("gas", [True, "10", 10.0, None])
def test_gas_limit_must_be_int(gas):
    with pytest.raises(TypeError):
        compute_seed("r", "a", "f", HASH_A, gas)


@pytest.mark.parametrize("h", [b"", b"\x00" * 31, b"\x00" * 33, "00" * 31, "zz" * 32, "0x" + "00" * 31])
def test_bad_content_hash_refused(h):
    with pytest.raises(ValueError):
        compute_seed("r", "a", "f", h, 1)


def test_bad_text_fields_refused():
    for args in (("", "a", "f"), ("r", "", "f"), ("r", "a", ""), ("\ud800", "a", "f")):
        with pytest.raises(ValueError):
            compute_seed(*args, HASH_A, 1)
    with pytest.raises(TypeError):
        compute_seed(b"r", "a", "f", HASH_A, 1)


def test_each_field_changes_the_seed():
    base = compute_seed("r", "a", "f", HASH_A, 5)
    variants = [compute_seed("r2", "a", "f", HASH_A, 5), compute_seed("r", "a2", "f", HASH_A, 5),
                compute_seed("r", "a", "f2", HASH_A, 5), compute_seed("r", "a", "f", HASH_FF, 5),
                compute_seed("r", "a", "f", HASH_A, 50)]
    assert len({base, *variants}) == 6


def test_distinct_request_ids_give_distinct_seeds():
    seeds = {compute_seed(f"req-{i}", "000000000000", "$LATEST", HASH_A, 10_000_000) for i in range(2000)}
    assert len(seeds) == 2000


def test_plain_concatenation_is_literal():
    """LANGUAGE.md §8 concatenates without separators; this pins that choice (and documents
    its known consequence: moving a boundary between adjacent host fields keeps the seed).
    See spec/snapshot.md §7.3 for why this is acceptable."""
    assert compute_seed("ab", "c", "f", HASH_A, 1) == compute_seed("a", "bc", "f", HASH_A, 1)
