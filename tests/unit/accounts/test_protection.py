"""Keyed hashes, encryption at rest and pseudonyms."""

from __future__ import annotations

import os

import pytest
from cryptography.exceptions import InvalidTag

from carbonledger.accounts import protection


def test_keyed_hash_depends_on_key_and_purpose() -> None:
    key = os.urandom(32)
    value = "13912345678"
    assert protection.keyed_hash(key, "phone", value) == protection.keyed_hash(key, "phone", value)
    assert protection.keyed_hash(key, "phone", value) != protection.keyed_hash(key, "id", value)
    assert protection.keyed_hash(key, "phone", value) != protection.keyed_hash(
        os.urandom(32), "phone", value
    )


def test_encryption_round_trips_and_binds_purpose() -> None:
    key = os.urandom(32)
    blob = protection.encrypt(key, "张三", "name")
    assert "张三".encode() not in blob
    assert protection.decrypt(key, blob, "name") == "张三"
    with pytest.raises(InvalidTag):
        protection.decrypt(key, blob, "phone")


def test_pseudonyms_are_32_hex_and_keyed() -> None:
    first, second = protection.new_pseudonym_key(), protection.new_pseudonym_key()
    name = protection.pseudonym(first)
    assert len(name) == 32 and int(name, 16) >= 0
    assert protection.pseudonym(first) == name != protection.pseudonym(second)
