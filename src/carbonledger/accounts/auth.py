"""Logging in (登录): citizens by phone and password, operators by id and password, partners'
staff by access key; registering; sessions, operators and their roles; the throttle on failed
logins. Services take the caller's connection and never commit, except logging in and
registering: they check or hash the password outside any transaction and then write in one
short transaction of their own, so a password check never holds the database's writer.

A failed login is counted in the database and must survive the refusal, so `log_in` returns
None on a wrong password instead of raising; the entry point then refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Engine

from carbonledger import db
from carbonledger.accounts import identity, passwords, protection, sessions
from carbonledger.accounts import repository as repo
from carbonledger.accounts.service import add_citizen, citizen_problems
from carbonledger.accounts.sessions import Session
from carbonledger.errors import Conflict, Forbidden, InvalidInput, LoginThrottled, NotFound
from carbonledger.keys import Keys
from carbonledger.points.ledger import balance
from carbonledger.points.postings import citizen_account

_OPERATOR_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-.")


@dataclass(frozen=True, slots=True)
class Registration:
    """A citizen's registration, checked and with the password already hashed: made before any
    transaction begins, so the slow hash never holds the writer."""

    name: str
    phone: str
    id_number: str
    region: str
    password_hash: str


def registration(
    *, name: str, phone: str, id_number: str, password: str, region: str
) -> Registration:
    """Check a registration (real name, ID number, phone, password) and hash its password."""
    problems = citizen_problems(name=name, phone=phone, id_number=id_number, region=region)
    if problem := passwords.password_problem(password):
        problems.append(f"password: {problem}")
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_citizen")
    return Registration(name, phone, id_number, region, passwords.hash_password(password))


def add_registered(conn: Connection, keys: Keys, entry: Registration, now: datetime) -> str:
    """Store a checked registration; the citizen's id."""
    return add_citizen(
        conn,
        keys,
        name=entry.name,
        phone=entry.phone,
        id_number=entry.id_number,
        region=entry.region,
        now=now,
        password_hash=entry.password_hash,
    )


def register_citizen(
    engine: Engine, keys: Keys, entry: Registration, address: str, now: datetime, hours: float
) -> tuple[str, Session]:
    """Register a citizen and log them in, in one short write transaction. Whether the phone or
    the ID number was the one registered already is not told apart, and such refusals count
    against the address like failed logins, so nobody can list who is registered."""
    counted = [_address_key(keys, address)]
    with db.read(engine) as conn:
        _refuse_if_throttled(conn, counted, now)

    def work(conn: Connection) -> tuple[str, Session] | None:
        try:
            citizen_id = add_registered(conn, keys, entry, now)
        except Conflict:
            return None
        return open_session(conn, keys, "citizen", citizen_id, now, hours)

    opened = db.retrying(engine, work)
    if opened is None:
        db.retrying(engine, lambda conn: _count_failure(conn, counted, now))
        raise Conflict(
            "this phone number or ID number is registered already; log in instead",
            code="already_registered",
        )
    return opened


_Counted = list[tuple[str, sessions.Throttle]]


def _digest(keys: Keys, purpose: str, value: str) -> str:
    # A keyed hash, so the table of failures holds no phone number or address.
    return protection.keyed_hash(keys.hash_key, purpose, value).hex()[:64]


def _address_key(keys: Keys, address: str) -> tuple[str, sessions.Throttle]:
    return f"address:{_digest(keys, 'login-address', address)}", sessions.ADDRESS


def _throttle_keys(keys: Keys, kind: str, login: str, address: str) -> _Counted:
    """The keys a failed login of `kind` for `login` from `address` counts under: the account
    from this address first (cleared by a success), the address, the account."""
    account = _digest(keys, "login", f"{kind}\n{login}")
    both = _digest(keys, "login-from", f"{kind}\n{login}\n{address}")
    return [
        (f"{kind}@{both}", sessions.ACCOUNT_FROM_ADDRESS),
        _address_key(keys, address),
        (f"{kind}:{account}", sessions.ACCOUNT),
    ]


def forget_failed_logins(conn: Connection, keys: Keys, kind: str, login: str) -> None:
    """Forget the failed logins counted against an account (a password reset proves the
    owner); those counted against an address stay."""
    account = _digest(keys, "login", f"{kind}\n{login}")
    repo.clear_login_failures(conn, f"{kind}:{account}")


def _refuse_if_throttled(conn: Connection, counted: _Counted, now: datetime) -> None:
    wait = 0
    for key, throttle in counted:
        found = repo.login_failure(conn, key)
        if found is not None:
            wait = max(wait, sessions.wait_after(throttle, found.failures, found.last_at, now))
    if wait:
        raise LoginThrottled(f"too many failed tries; try again in {wait} s", wait)


def _count_failure(conn: Connection, counted: _Counted, now: datetime) -> None:
    for key, _throttle in counted:
        found = repo.login_failure(conn, key)
        fresh = found is None or now - found.last_at >= sessions.FORGOTTEN_AFTER
        failures = 1 if found is None or fresh else found.failures + 1
        repo.set_login_failure(conn, key, failures, now)


def _account(conn: Connection, keys: Keys, kind: str, login: str) -> tuple[str, str | None]:
    """(subject, stored hash) of the active account `login` of `kind`; no hash when there is
    no such account, or it may not log in."""
    if kind == "citizen":
        phone_hash = protection.keyed_hash(keys.hash_key, "phone", login)
        found = repo.citizen_by_hash(conn, "phone_hash", phone_hash)
    elif kind == "operator":
        found = repo.operator(conn, login)
    else:
        return login, repo.portal_key_hash(conn, login)
    if found is None or found.status != "active":
        return "", None
    return found.id, found.password_hash


def log_in(
    engine: Engine,
    keys: Keys,
    kind: str,
    login: str,
    secret: str,
    address: str,
    now: datetime,
    hours: float,
) -> tuple[str, Session] | None:
    """Log in a citizen (by phone), operator (by id) or partner's staff (by partner id and
    access key) from the client `address`: a new session, or None when the login and secret do
    not match. The throttle and the account are read first; the password is checked outside
    any transaction (argon2 takes a tenth of a second); then one short write transaction counts
    the failure or opens the session."""
    login = identity.normalise_phone(login) if kind == "citizen" else login.strip()
    counted = _throttle_keys(keys, kind, login, address)
    with db.read(engine) as conn:
        _refuse_if_throttled(conn, counted, now)
        subject, stored = _account(conn, keys, kind, login)
    matched = passwords.password_matches(stored, secret.strip() if kind == "partner" else secret)

    def settle(conn: Connection) -> tuple[str, Session] | None:
        if not matched:
            _count_failure(conn, counted, now)
            return None
        repo.clear_login_failures(conn, counted[0][0])
        found = repo.partner(conn, subject) if kind == "partner" else None
        if found is not None and found.status != "active":
            raise Forbidden(
                "this partner is suspended; contact the operator", code="partner_suspended"
            )
        return open_session(conn, keys, kind, subject, now, hours)

    return db.retrying(engine, settle)


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


def session(conn: Connection, keys: Keys, token: str, now: datetime) -> Session | None:
    """The live session behind a cookie's token, or None."""
    row = repo.session(conn, sessions.token_hash(keys.session_key, token))
    if row is None or row.expires_at <= now:
        return None
    return Session(row.kind, row.subject, row.csrf, row.expires_at)


def logout(conn: Connection, keys: Keys, token: str) -> None:
    repo.delete_session(conn, sessions.token_hash(keys.session_key, token))


def new_operator(operator_id: str, name: str, password: str, roles: list[str]) -> dict[str, str]:
    """An operator account's row, checked and its password hashed: slow work, done before the
    write transaction that adds it (`add_operator`)."""
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
    return {
        "id": operator_id,
        "name": name.strip(),
        "password_hash": passwords.hash_password(password),
        "roles": ",".join(sorted(set(roles))),
        "status": "active",
    }


def add_operator(conn: Connection, new: dict[str, str], now: datetime) -> None:
    """Add the operator `new_operator` made."""
    if not repo.insert_operator(conn, {**new, "created_at": now}):
        raise Conflict(f"an operator {new['id']!r} exists already", code="operator_exists")


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
