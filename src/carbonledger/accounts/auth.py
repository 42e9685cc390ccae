"""Logging in (登录): citizens by phone and password, operators by id and password; sessions,
operators and their roles; the throttle on failed logins. Services take the caller's
connection and never commit.

A failed login is counted in the database and must survive the refusal, so `login_*` return None
on a wrong password instead of raising; the entry point commits, then refuses.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.accounts import identity, passwords, protection, sessions
from carbonledger.accounts import repository as repo
from carbonledger.accounts.service import add_citizen, citizen_problems
from carbonledger.accounts.sessions import Session
from carbonledger.errors import Conflict, InvalidInput, LoginThrottled, NotFound
from carbonledger.keys import Keys
from carbonledger.points.ledger import balance
from carbonledger.points.postings import citizen_account

_OPERATOR_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-.")


def register_citizen(
    conn: Connection,
    keys: Keys,
    *,
    name: str,
    phone: str,
    id_number: str,
    password: str,
    region: str,
    now: datetime,
) -> str:
    """Register a citizen with a password (real name, ID number and phone are checked)."""
    problems = citizen_problems(name=name, phone=phone, id_number=id_number, region=region)
    if problem := passwords.password_problem(password):
        problems.append(f"password: {problem}")
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_citizen")
    return add_citizen(
        conn,
        keys,
        name=name,
        phone=phone,
        id_number=id_number,
        region=region,
        now=now,
        password_hash=passwords.hash_password(password),
    )


def _throttle_key(keys: Keys, kind: str, login: str) -> str:
    # A keyed hash, so the table of failures holds no phone number.
    return f"{kind}:" + protection.keyed_hash(keys.hash_key, "login", login).hex()[:64]


def _check_password(
    conn: Connection, key: str, stored_hash: str | None, password: str, now: datetime
) -> bool:
    failure = repo.login_failure(conn, key)
    failures, first_at = (failure.failures, failure.first_at) if failure else (0, None)
    wait = sessions.locked_for(failures, first_at, now)
    if wait:
        raise LoginThrottled(
            f"too many failed logins; try again in {wait} s or reset the password", wait
        )
    if passwords.password_matches(stored_hash, password):
        if failure:
            repo.clear_login_failures(conn, key)
        return True
    if first_at is None or now - first_at >= sessions.FAILURE_WINDOW:
        failures, first_at = 0, now
    repo.set_login_failure(conn, key, failures + 1, first_at)
    return False


def open_session(
    conn: Connection, keys: Keys, kind: str, subject: str, now: datetime, hours: float
) -> tuple[str, Session]:
    """A new session for `subject`: the cookie's token (returned once, stored only hashed)."""
    token = sessions.new_token()
    session = Session(kind, subject, sessions.new_token(), now + timedelta(hours=hours))
    repo.insert_session(
        conn,
        {
            "token_hash": sessions.token_hash(keys.session_key, token),
            "kind": kind,
            "subject": subject,
            "csrf": session.csrf,
            "created_at": now,
            "expires_at": session.expires_at,
        },
    )
    return token, session


def login_citizen(
    conn: Connection, keys: Keys, phone: str, password: str, now: datetime, hours: float
) -> tuple[str, Session] | None:
    """A new session for the citizen with this phone and password; None when they do not match."""
    number = identity.normalise_phone(phone)
    found = repo.citizen_by_hash(
        conn, "phone_hash", protection.keyed_hash(keys.hash_key, "phone", number)
    )
    stored = found.password_hash if found is not None and found.status == "active" else None
    if not _check_password(conn, _throttle_key(keys, "citizen", number), stored, password, now):
        return None
    assert found is not None
    return open_session(conn, keys, "citizen", found.id, now, hours)


def login_operator(
    conn: Connection, keys: Keys, operator_id: str, password: str, now: datetime, hours: float
) -> tuple[str, Session] | None:
    found = repo.operator(conn, operator_id)
    stored = found.password_hash if found is not None and found.status == "active" else None
    if not _check_password(
        conn, _throttle_key(keys, "operator", operator_id), stored, password, now
    ):
        return None
    return open_session(conn, keys, "operator", operator_id, now, hours)


def session(conn: Connection, keys: Keys, token: str, now: datetime) -> Session | None:
    """The live session behind a cookie's token, or None."""
    row = repo.session(conn, sessions.token_hash(keys.session_key, token))
    if row is None or row.expires_at <= now:
        return None
    return Session(row.kind, row.subject, row.csrf, row.expires_at)


def logout(conn: Connection, keys: Keys, token: str) -> None:
    repo.delete_session(conn, sessions.token_hash(keys.session_key, token))


def add_operator(
    conn: Connection, operator_id: str, name: str, password: str, roles: list[str], now: datetime
) -> None:
    problems = []
    if not 2 <= len(operator_id) <= 64 or not set(operator_id) <= _OPERATOR_ID_CHARS:
        problems.append("id: 2-64 characters of a-z, 0-9, '_', '-' and '.'")
    if not name.strip():
        problems.append("name: must not be empty")
    if problem := passwords.password_problem(password):
        problems.append(f"password: {problem}")
    if problem := sessions.roles_problem(roles):
        problems.append(f"roles: {problem}")
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_operator")
    row = {
        "id": operator_id,
        "name": name.strip(),
        "password_hash": passwords.hash_password(password),
        "roles": ",".join(sorted(set(roles))),
        "status": "active",
        "created_at": now,
    }
    if not repo.insert_operator(conn, row):
        raise Conflict(f"an operator {operator_id!r} exists already", code="operator_exists")


def operator_roles(conn: Connection, operator_id: str) -> list[str]:
    """The roles of an active operator; empty for a disabled or unknown one."""
    found = repo.operator(conn, operator_id)
    if found is None or found.status != "active":
        return []
    return str(found.roles).split(",")


def disable_operator(conn: Connection, operator_id: str) -> None:
    if not repo.set_operator(conn, operator_id, status="disabled"):
        raise NotFound(f"no operator has the id {operator_id!r}", code="unknown_operator")
    repo.delete_sessions_of(conn, "operator", operator_id)


def _masked_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def profile(conn: Connection, keys: Keys, citizen_id: str) -> dict[str, Any]:
    """The citizen's own profile with name and phone masked (张*, 139****5678) and balance."""
    found = repo.citizen(conn, citizen_id)
    if found is None or found.status != "active":
        raise NotFound("this account no longer exists", code="unknown_citizen")
    name = protection.decrypt(keys.data_key, found.name_enc, "name")
    phone = protection.decrypt(keys.data_key, found.phone_enc, "phone")
    return {
        "citizen": citizen_id,
        "name": _masked_name(name),
        "phone": phone[:3] + "****" + phone[-4:],
        "region": found.region,
        "points": balance(conn, citizen_account(citizen_id)),
        "registered_at": found.created_at,
    }


def operators(conn: Connection) -> list[dict[str, Any]]:
    return [
        {"operator": row.id, "name": row.name, "roles": row.roles.split(","), "status": row.status}
        for row in repo.all_operators(conn)
    ]


def check_secret(
    conn: Connection,
    keys: Keys,
    kind: str,
    login: str,
    stored_hash: str | None,
    secret: str,
    now: datetime,
) -> bool:
    """Check a password or access key of `kind` (e.g. partner) against its argon2id hash, with
    the same throttle on failed logins as citizens and operators have."""
    return _check_password(conn, _throttle_key(keys, kind, login), stored_hash, secret, now)
