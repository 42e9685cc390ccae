"""Voucher codes kept as a keyed hash and a ciphertext: the hash is pinned to its construction
(a migration computed the same for the codes stored before), the ciphertext needs the data key."""

from __future__ import annotations

import hashlib
import hmac
from types import SimpleNamespace

import pytest
from cryptography.exceptions import InvalidTag

from carbonledger.keys import Keys
from carbonledger.rewards.vouchers import KEPT, kept, shown, voucher_hash

KEYS = Keys(
    log_seed=bytes(32),
    hash_key=bytes(range(32)),
    data_key=bytes(range(1, 33)),
    session_key=bytes(32),
)
CODE = "7K3Q9PXA2M4T"


def test_the_hash_is_hmac_sha256_of_the_code_under_its_purpose() -> None:
    pinned = hmac.new(KEYS.hash_key, f"voucher_code\n{CODE}".encode(), hashlib.sha256).digest()
    assert voucher_hash(KEYS, CODE) == pinned
    assert voucher_hash(KEYS, " 7k3q-9pxa-2m4t ") == pinned  # as typed at a till


def test_a_kept_code_is_found_by_its_hash_and_shown_only_with_the_data_key() -> None:
    first, again = kept(KEYS, CODE), kept(KEYS, CODE)
    assert set(first) == set(KEPT)
    assert first["voucher_hash"] == again["voucher_hash"] == voucher_hash(KEYS, CODE)
    assert first["voucher_enc"] != again["voucher_enc"]  # a fresh nonce each time
    assert CODE.encode() not in first["voucher_enc"]
    assert shown(KEYS, SimpleNamespace(**first)) == CODE
    other = Keys(bytes(32), KEYS.hash_key, bytes(32), bytes(32))
    with pytest.raises(InvalidTag):
        shown(other, SimpleNamespace(**first))
