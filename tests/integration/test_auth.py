"""Logins, sessions, the failed-login throttle and operator roles on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.accounts import auth, sessions
from carbonledger.accounts import service as accounts
from carbonledger.accounts.sessions import Session
from carbonledger.accounts.tables import login_failures
from carbonledger.accounts.tables import sessions as session_table
from carbonledger.errors import InvalidInput, LoginThrottled
from carbonledger.platform import Platform
from tests import factories


def _login(
    platform: Platform,
    number: str,
    password: str,
    when: datetime | None = None,
    address: str = "192.0.2.1",
) -> tuple[str, Session] | None:
    engine, keys = platform.engine, platform.keys
    return auth.log_in(engine, keys, "citizen", number, password, address, when or clock.now(), 12)


def test_a_citizen_logs_in_with_phone_and_password(platform: Platform) -> None:
    citizen_id, number = factories.new_citizen(platform, factories.PASSWORD)
    opened = _login(platform, number, factories.PASSWORD)
    assert opened is not None
    token, session = opened
    with db.read(platform.engine) as conn:
        found = auth.session(conn, platform.keys, token, clock.now())
        stored = list(conn.execute(select(session_table)))
    assert found is not None
    assert (found.kind, found.subject, found.csrf) == ("citizen", citizen_id, session.csrf)
    assert all(token.encode() not in row.token_hash for row in stored)


def test_a_wrong_password_or_unknown_phone_opens_no_session(platform: Platform) -> None:
    _, number = factories.new_citizen(platform, factories.PASSWORD)
    assert _login(platform, number, "wrong-pass-9") is None
    assert _login(platform, factories.phone(), factories.PASSWORD) is None
    with db.read(platform.engine) as conn:
        assert list(conn.execute(select(session_table))) == []
        keys = [row.key for row in conn.execute(select(login_failures))]
    # Each failure counts for the account from the address, the address and the account.
    assert len(keys) == 5
    assert all(number not in key for key in keys)


def test_failures_slow_the_guesser_with_backoff_but_never_lock_the_owner_out(
    platform: Platform,
) -> None:
    _, number = factories.new_citizen(platform, factories.PASSWORD)
    start = clock.now()
    for _ in range(sessions.MAX_FAILURES):
        assert _login(platform, number, "wrong-pass-9", start) is None
    with pytest.raises(LoginThrottled) as refused:
        _login(platform, number, factories.PASSWORD, start)
    assert refused.value.retry_after == 1
    # The owner, from their own address, is not slowed at all.
    assert _login(platform, number, factories.PASSWORD, start, address="198.51.100.7")
    # The guesser waits twice as long after each further failure.
    waited = start + timedelta(seconds=2)
    assert _login(platform, number, "wrong-pass-9", waited) is None
    with pytest.raises(LoginThrottled) as again:
        _login(platform, number, factories.PASSWORD, waited + timedelta(seconds=1))
    assert again.value.retry_after == 1
    assert _login(platform, number, factories.PASSWORD, waited + timedelta(seconds=2))


def test_a_session_ends_at_logout_and_on_expiry(platform: Platform) -> None:
    _, number = factories.new_citizen(platform, factories.PASSWORD)
    first = _login(platform, number, factories.PASSWORD)
    second = _login(platform, number, factories.PASSWORD)
    assert first is not None and second is not None
    with db.write(platform.engine) as conn:
        auth.logout(conn, platform.keys, first[0])
    with db.read(platform.engine) as conn:
        assert auth.session(conn, platform.keys, first[0], clock.now()) is None
        assert auth.session(conn, platform.keys, second[0], clock.now()) is not None
        assert (
            auth.session(conn, platform.keys, second[0], clock.now() + timedelta(hours=13)) is None
        )


def test_deleting_a_citizen_ends_their_sessions_and_logins(platform: Platform) -> None:
    citizen_id, number = factories.new_citizen(platform, factories.PASSWORD)
    opened = _login(platform, number, factories.PASSWORD)
    assert opened is not None
    with db.write(platform.engine) as conn:
        accounts.delete_citizen(conn, citizen_id, clock.now())
    with db.read(platform.engine) as conn:
        assert auth.session(conn, platform.keys, opened[0], clock.now()) is None
    assert _login(platform, number, factories.PASSWORD) is None


def test_operators_have_roles_and_a_disabled_one_has_none(platform: Platform) -> None:
    operator_id = factories.add_operator(platform, ("points", "reviewer"))
    opened = auth.log_in(
        platform.engine,
        platform.keys,
        "operator",
        operator_id,
        factories.PASSWORD,
        "192.0.2.1",
        clock.now(),
        12,
    )
    assert opened is not None
    with db.write(platform.engine) as conn:
        assert auth.operator_roles(conn, operator_id) == ["points", "reviewer"]
        auth.disable_operator(conn, operator_id)
        assert auth.operator_roles(conn, operator_id) == []
        assert auth.session(conn, platform.keys, opened[0], clock.now()) is None


def test_a_bad_operator_is_refused_with_every_problem(platform: Platform) -> None:
    with pytest.raises(InvalidInput) as refused:
        auth.new_operator("X", " ", "short", ["boss"])
    message = refused.value.message
    assert all(part in message for part in ("id:", "name:", "password:", "roles:"))
