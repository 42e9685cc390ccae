"""Codes by SMS on SQLite and PostgreSQL: a reset for an unregistered number issues nothing, a
code is asked for at most once a minute and five times an hour, a code takes five wrong tries
and then is void, and a reset ends the citizen's sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from carbonledger import clock, db
from carbonledger.accounts import auth, passwords
from carbonledger.accounts.tables import sessions
from carbonledger.errors import Gone, RateLimited
from carbonledger.phone import service
from carbonledger.platform import Platform
from tests import factories


def test_an_unregistered_number_gets_no_code(platform: Platform) -> None:
    with db.write(platform.engine) as conn:
        assert service.request_reset(conn, platform.keys, "13800000000", clock.now()) is None


def test_codes_are_limited_a_minute_and_an_hour(platform: Platform) -> None:
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    start = clock.now()
    for n in range(service.HOURLY):
        with db.write(platform.engine) as conn:
            assert service.request_reset(conn, platform.keys, phone, start + timedelta(minutes=n))
    with db.write(platform.engine) as conn, pytest.raises(RateLimited):
        service.request_reset(conn, platform.keys, phone, start + timedelta(minutes=4, seconds=30))
    later = start + timedelta(minutes=30)
    with db.write(platform.engine) as conn, pytest.raises(RateLimited) as hourly:
        service.request_reset(conn, platform.keys, phone, later)
    assert 0 < hourly.value.retry_after <= 30 * 60 + 1
    with db.write(platform.engine) as conn:
        assert service.request_reset(conn, platform.keys, phone, start + timedelta(minutes=61))


def test_a_code_takes_five_wrong_tries_and_a_reset_ends_sessions(platform: Platform) -> None:
    citizen, phone = factories.new_citizen(platform, factories.PASSWORD)
    now = clock.now()
    hashed = passwords.hash_password("another-pass-1")
    with db.write(platform.engine) as conn:
        auth.open_session(conn, platform.keys, "citizen", citizen, now, 12)
        issued = service.request_reset(conn, platform.keys, phone, now)
    assert issued is not None
    _, code = issued
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(service.MAX_ATTEMPTS):
        with db.write(platform.engine) as conn:
            assert not service.reset_password(conn, platform.keys, phone, wrong, hashed, now)
    with db.write(platform.engine) as conn, pytest.raises(Gone):
        service.reset_password(conn, platform.keys, phone, code, hashed, now)
    later = now + timedelta(minutes=2)
    with db.write(platform.engine) as conn:
        issued = service.request_reset(conn, platform.keys, phone, later)
        assert issued is not None
        assert service.reset_password(conn, platform.keys, phone, issued[1], hashed, later)
        left = conn.execute(
            select(func.count()).select_from(sessions).where(sessions.c.subject == citizen)
        ).scalar_one()
        assert service.verified_at(conn, citizen) == later
    assert left == 0
    assert auth.log_in(
        platform.engine, platform.keys, "citizen", phone, "another-pass-1", "127.0.0.1", later, 12
    )
