"""The partner portal's accounts on SQLite and PostgreSQL: the staff access key (stored only
hashed, replaced with its sessions, throttled), a suspended partner, and signing-key rotation
(the old key retired and never taken back)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.accounts import auth, portal
from carbonledger.accounts import service as accounts
from carbonledger.accounts.sessions import MAX_FAILURES, Session
from carbonledger.accounts.tables import portal_keys
from carbonledger.errors import Conflict, Forbidden, InvalidInput, LoginThrottled, NotFound
from carbonledger.ingest.signing import public_key_b64
from carbonledger.platform import Platform
from tests import factories


def _login(platform: Platform, partner_id: str, key: str) -> str | None:
    """The new session's subject, or None when refused."""
    opened = _open(platform, partner_id, key)
    return None if opened is None else opened[1].subject


def _open(platform: Platform, partner_id: str, key: str) -> tuple[str, Session] | None:
    engine, keys = platform.engine, platform.keys
    return auth.log_in(engine, keys, "partner", partner_id, key, "192.0.2.1", clock.now(), 1)


def test_staff_log_in_with_the_key_stored_only_hashed(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    key = factories.portal_key(platform, partner.id)
    with db.read(platform.engine) as conn:
        stored = conn.execute(select(portal_keys.c.key_hash)).scalar()
    assert len(key) >= 32
    assert stored is not None and key not in stored and stored.startswith("$argon2id$")
    assert _login(platform, partner.id, key) == partner.id
    assert _login(platform, partner.id, key + "x") is None
    assert _login(platform, "nobody", key) is None
    with pytest.raises(NotFound):
        factories.portal_key(platform, "nobody")


def test_a_new_key_ends_the_old_key_and_its_sessions(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    old = factories.portal_key(platform, partner.id)
    opened = _open(platform, partner.id, old)
    assert opened is not None
    token, _ = opened
    new = factories.portal_key(platform, partner.id)
    with db.read(platform.engine) as conn:
        assert auth.session(conn, platform.keys, token, clock.now()) is None
    assert _login(platform, partner.id, old) is None
    assert _login(platform, partner.id, new) == partner.id


def test_guessing_is_throttled_even_for_the_right_key(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    key = factories.portal_key(platform, partner.id)
    for _ in range(MAX_FAILURES):
        assert _login(platform, partner.id, "guess") is None
    with pytest.raises(LoginThrottled):
        _login(platform, partner.id, key)


def test_a_suspended_partners_staff_cannot_log_in(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    key = factories.portal_key(platform, partner.id)
    with db.write(platform.engine) as conn:
        accounts.set_partner_status(conn, partner.id, "suspended")
    with pytest.raises(Forbidden) as refused:
        _login(platform, partner.id, key)
    assert refused.value.code == "partner_suspended"


def _rotate(platform: Platform, partner_id: str, public_key: str) -> None:
    with db.write(platform.engine) as conn:
        portal.rotate_signing_key(conn, partner_id, public_key, clock.now())


def test_a_rotated_signing_key_is_retired_for_good(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    first = public_key_b64(partner.key)
    second = public_key_b64(Ed25519PrivateKey.generate())
    _rotate(platform, partner.id, second)
    with db.read(platform.engine) as conn:
        seen = portal.overview(conn, partner.id)
    assert seen["public_key"] == second
    assert [k["public_key"] for k in seen["retired_keys"]] == [first]
    with pytest.raises(Conflict) as same:
        _rotate(platform, partner.id, second)
    with pytest.raises(Conflict) as retired:
        _rotate(platform, partner.id, first)
    with pytest.raises(InvalidInput) as malformed:
        _rotate(platform, partner.id, "not base64!")
    assert (same.value.code, retired.value.code, malformed.value.code) == (
        "same_key",
        "key_retired",
        "invalid_public_key",
    )
    with db.read(platform.engine) as conn:
        assert portal.overview(conn, partner.id)["public_key"] == second
