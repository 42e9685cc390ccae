"""The manifest a verifier signs, its leaf digest, the signature check and the retirement leaf,
pinned by fixed values so that a change of encoding shows."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from carbonledger.market import signing
from carbonledger.market.leaf import RetirementLeaf
from carbonledger.market.manifest import MANIFEST_CONTEXT, Manifest, leaves_digest
from carbonledger.translog.leaves import decode_leaf

MANIFEST = Manifest(
    lot="110000-2026-1",
    number=1,
    period_start=date(2026, 1, 1),
    period_end=date(2026, 6, 30),
    scenarios=("cycling", "metro"),
    regions=("110105",),
    methodologies=("cycling@2022-08",),
    credits=2,
    total_mg=3_000_000,
    checkpoint_size=10,
    checkpoint_root=bytes(32),
    leaves_digest="ab" * 32,
    unit_mg=1_000_000,
    buffer_bp=500,
)


def test_the_digest_binds_indexes_and_hashes_in_order() -> None:
    pairs = [(3, b"\x01" * 32), (7, b"\x02" * 32)]
    expected = hashlib.sha256(
        (3).to_bytes(8, "big") + b"\x01" * 32 + (7).to_bytes(8, "big") + b"\x02" * 32
    ).hexdigest()
    assert leaves_digest(pairs) == expected
    with pytest.raises(ValueError, match="increasing index order"):
        leaves_digest(reversed(pairs))


def test_the_manifest_round_trips_and_signs_its_canonical_bytes() -> None:
    assert Manifest.from_json(MANIFEST.to_json()) == MANIFEST
    signed = MANIFEST.signed_bytes()
    assert signed.startswith(MANIFEST_CONTEXT)
    assert b'"leaves_digest":"abab' in signed and b'"total_mg":3000000' in signed
    with pytest.raises(ValueError, match="not a lot manifest"):
        Manifest.from_json({"v": 1})


def test_a_signature_verifies_only_for_its_key_and_manifest() -> None:
    seed = signing.new_seed()
    signature = signing.sign(seed, MANIFEST)
    signing.check(signing.public_key(seed), MANIFEST, signature)
    with pytest.raises(signing.BadSignature, match="does not verify"):
        signing.check(signing.public_key(signing.new_seed()), MANIFEST, signature)
    with pytest.raises(signing.BadSignature, match="does not verify"):
        signing.check(signing.public_key(seed), replace(MANIFEST, total_mg=1), signature)
    with pytest.raises(signing.BadSignature, match="32 bytes"):
        signing.decode_key("AAAA")
    with pytest.raises(signing.BadSignature, match="not base64"):
        signing.decode_signature("***")


def test_a_retirement_leaf_is_a_leaf_of_the_log() -> None:
    leaf = RetirementLeaf(
        lot="110000-2026-1",
        serials=("110000-2026-1-1-5",),
        units=5,
        unit_mg=1_000_000,
        purpose="2026 city marathon, carbon neutral",
        beneficiary="City Marathon",
        time=datetime(2026, 4, 12, 8, 30, 5, tzinfo=UTC),
        retirement="01JR0000000000000000000000",
    )
    encoded = leaf.encode()
    assert encoded.startswith(b'{"beneficiary":"City Marathon","kind":"retirement"')
    assert decode_leaf(encoded) == leaf
