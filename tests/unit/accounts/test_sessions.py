"""Sessions, roles, the login throttle and passwords: the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from carbonledger.accounts import passwords, sessions
from carbonledger.accounts.sessions import Session

NOW = datetime(2026, 11, 1, 8, tzinfo=UTC)


def test_a_token_is_stored_only_as_a_keyed_hash() -> None:
    token = sessions.new_token()
    first = sessions.token_hash(b"k" * 32, token)
    assert first == sessions.token_hash(b"k" * 32, token)
    assert first != sessions.token_hash(b"j" * 32, token)
    assert token.encode() not in first
    assert sessions.new_token() != token


def test_csrf_must_match_the_session() -> None:
    session = Session("citizen", "c1", "secret-csrf", NOW)
    assert sessions.csrf_matches(session, "secret-csrf")
    assert not sessions.csrf_matches(session, "other")
    assert not sessions.csrf_matches(session, None)


def test_admin_holds_every_role_and_others_only_their_own() -> None:
    assert all(sessions.has_role(["admin"], role) for role in sessions.ROLES)
    assert sessions.has_role(["points"], "points")
    assert not sessions.has_role(["points"], "reviewer")
    assert not sessions.has_role([], "points")


def test_roles_must_be_known_and_present() -> None:
    assert sessions.roles_problem(["points", "reviewer"]) is None
    assert "at least one role" in (sessions.roles_problem([]) or "")
    assert "boss" in (sessions.roles_problem(["boss"]) or "")


@pytest.mark.parametrize(
    ("throttle", "failures", "since", "wait"),
    [
        (sessions.ACCOUNT_FROM_ADDRESS, 0, None, 0),
        (sessions.ACCOUNT_FROM_ADDRESS, sessions.MAX_FAILURES - 1, timedelta(0), 0),
        (sessions.ACCOUNT_FROM_ADDRESS, sessions.MAX_FAILURES, timedelta(0), 1),
        (sessions.ACCOUNT_FROM_ADDRESS, sessions.MAX_FAILURES + 3, timedelta(seconds=3), 5),
        (sessions.ACCOUNT_FROM_ADDRESS, sessions.MAX_FAILURES + 40, timedelta(0), 900),
        (sessions.ACCOUNT, 60, timedelta(0), 60),
        (sessions.ADDRESS, 19, timedelta(0), 0),
        (sessions.ACCOUNT_FROM_ADDRESS, 50, sessions.FORGOTTEN_AFTER, 0),
    ],
)
def test_failed_logins_back_off_up_to_a_cap(
    throttle: sessions.Throttle, failures: int, since: timedelta | None, wait: int
) -> None:
    last_at = None if since is None else NOW - since
    assert sessions.wait_after(throttle, failures, last_at, NOW) == wait


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1", "at least"),
        ("allletters", "mixes"),
        ("1234567890", "mixes"),
        ("x1" * 70, "most"),
        ("password1", "common"),
        ("Password!23", "common"),
        ("woaini520", "common"),
        ("aaaaaaa1", "different"),
        (" " * 8, "at least"),
        ("  ab1  ", "at least"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, problem: str) -> None:
    assert problem in (passwords.password_problem(password) or "")


def test_a_password_matches_only_its_own_hash() -> None:
    stored = passwords.hash_password("green-pass-1")
    assert passwords.password_problem("green-pass-1") is None
    assert stored.startswith("$argon2id$")
    assert passwords.password_matches(stored, "green-pass-1")
    assert not passwords.password_matches(stored, "green-pass-2")
    assert not passwords.password_matches(None, "green-pass-1")
    assert not passwords.password_matches("not a hash", "green-pass-1")
