"""Codes by SMS: a six-digit code for one purpose (`reset` a password, `verify` the phone),
valid for CODE_LIFETIME, at most one a minute and HOURLY an hour per phone and purpose, and at
most MAX_ATTEMPTS tries each. Only keyed hashes of the number and the code are stored.

A wrong code is counted, so the entry point commits that count and then refuses (`redeem`
returns False rather than raise). The code is sent after the transaction that issued it commits
(`sender`); a password is hashed before its transaction begins."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from carbonledger.accounts import auth, identity, protection
from carbonledger.accounts import repository as accounts
from carbonledger.errors import Gone, InvalidInput, RateLimited
from carbonledger.ids import ulid
from carbonledger.keys import Keys
from carbonledger.phone.tables import phone_codes, verified_phones

PURPOSES = ("reset", "verify")
CODE_LIFETIME = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
HOURLY = 5
MAX_ATTEMPTS = 5


def number_of(phone: str) -> str:
    """The mobile number as stored; a malformed one is refused (invalid_phone)."""
    if problem := identity.phone_problem(phone):
        raise InvalidInput(f"phone: {problem}", code="invalid_phone")
    return identity.normalise_phone(phone)


def _phone_hash(keys: Keys, number: str) -> bytes:
    return protection.keyed_hash(keys.hash_key, "phone", number)  # as accounts keeps it


def _code_hash(keys: Keys, purpose: str, number: str, code: str) -> bytes:
    return protection.keyed_hash(keys.hash_key, "sms_code", f"{purpose}:{number}:{code}")


def issue(conn: Connection, keys: Keys, number: str, purpose: str, now: datetime) -> str:
    """A new code for `number` and `purpose`, stored hashed; the caller sends it once this
    transaction commits. Refused (429) within a minute of the last code or past HOURLY."""
    assert purpose in PURPOSES
    hashed = _phone_hash(keys, number)
    sent = list(
        conn.execute(
            select(phone_codes.c.sent_at)
            .where(
                phone_codes.c.phone_hash == hashed,
                phone_codes.c.purpose == purpose,
                phone_codes.c.sent_at > now - timedelta(hours=1),
            )
            .order_by(phone_codes.c.sent_at)
        ).scalars()
    )
    if sent and now - sent[-1] < RESEND_AFTER:
        seconds = int((RESEND_AFTER - (now - sent[-1])).total_seconds()) + 1
        raise RateLimited(
            f"a code was sent less than a minute ago; ask again in {seconds} s", seconds
        )
    if len(sent) >= HOURLY:
        seconds = int((sent[0] + timedelta(hours=1) - now).total_seconds()) + 1
        raise RateLimited(
            f"{HOURLY} codes an hour at most; ask again in {seconds // 60 + 1} min", seconds
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    conn.execute(
        phone_codes.insert(),
        {
            "id": ulid(now),
            "phone_hash": hashed,
            "purpose": purpose,
            "code_hash": _code_hash(keys, purpose, number, code),
            "sent_at": now,
            "expires_at": now + CODE_LIFETIME,
            "attempts": 0,
            "used_at": None,
        },
    )
    return code


def redeem(
    conn: Connection, keys: Keys, number: str, purpose: str, code: str, now: datetime
) -> bool:
    """Use the latest code sent to `number` for `purpose`: True when `code` is it (it is then
    used up), False when it is not (the try is counted). No code in force: 410 code_expired."""
    latest = conn.execute(
        select(phone_codes)
        .where(
            phone_codes.c.phone_hash == _phone_hash(keys, number),
            phone_codes.c.purpose == purpose,
            phone_codes.c.used_at.is_(None),
        )
        .order_by(phone_codes.c.sent_at.desc())
        .limit(1)
    ).first()
    if latest is None or latest.expires_at <= now or latest.attempts >= MAX_ATTEMPTS:
        raise Gone(
            "no code in force for this number: it expired, was used, or was tried too often; "
            "ask for a new one",
            code="code_expired",
        )
    if hmac.compare_digest(
        bytes(latest.code_hash), _code_hash(keys, purpose, number, code.strip())
    ):
        conn.execute(update(phone_codes).where(phone_codes.c.id == latest.id).values(used_at=now))
        return True
    conn.execute(
        update(phone_codes)
        .where(phone_codes.c.id == latest.id)
        .values(attempts=phone_codes.c.attempts + 1)
    )
    return False


def request_reset(
    conn: Connection, keys: Keys, phone: str, now: datetime
) -> tuple[str, str] | None:
    """(number, code) to send for a password reset; None when no active citizen has the number
    (the page answers the same either way, so it tells nobody who is registered)."""
    number = number_of(phone)
    found = accounts.citizen_by_hash(conn, "phone_hash", _phone_hash(keys, number))
    if found is None or found.status != "active":
        return None
    return number, issue(conn, keys, number, "reset", now)


def reset_password(
    conn: Connection, keys: Keys, phone: str, code: str, password_hash: str, now: datetime
) -> bool:
    """Set the citizen's new password (hashed by the caller) when `code` is the one sent;
    every session of theirs ends and failed logins are forgotten. False: a wrong code."""
    number = number_of(phone)
    if not redeem(conn, keys, number, "reset", code, now):
        return False
    found = accounts.citizen_by_hash(conn, "phone_hash", _phone_hash(keys, number))
    if found is None:  # deleted since the code was sent
        raise Gone("no account has this number any more", code="code_expired")
    accounts.set_citizen(conn, found.id, password_hash=password_hash)
    accounts.delete_sessions_of(conn, "citizen", found.id)
    # The failed logins are counted under the key the login throttle uses.
    auth.forget_failed_logins(conn, keys, "citizen", number)
    # The code reached the phone: it is verified too.
    _mark_verified(conn, found.id, _phone_hash(keys, number), now)
    return True


def _number_of_citizen(conn: Connection, keys: Keys, citizen_id: str) -> str:
    found = accounts.citizen(conn, citizen_id)
    assert found is not None
    return protection.decrypt(keys.data_key, bytes(found.phone_enc), "phone")


def send_verification(
    conn: Connection, keys: Keys, citizen_id: str, now: datetime
) -> tuple[str, str]:
    """(number, code) to send to the citizen's own phone to verify it."""
    number = _number_of_citizen(conn, keys, citizen_id)
    return number, issue(conn, keys, number, "verify", now)


def verify(conn: Connection, keys: Keys, citizen_id: str, code: str, now: datetime) -> bool:
    """Mark the citizen's phone verified when `code` is the one sent; False: a wrong code."""
    number = _number_of_citizen(conn, keys, citizen_id)
    if not redeem(conn, keys, number, "verify", code, now):
        return False
    _mark_verified(conn, citizen_id, _phone_hash(keys, number), now)
    return True


def _mark_verified(conn: Connection, citizen_id: str, hashed: bytes, now: datetime) -> None:
    conn.execute(verified_phones.delete().where(verified_phones.c.citizen_id == citizen_id))
    conn.execute(
        verified_phones.insert(),
        {"citizen_id": citizen_id, "phone_hash": hashed, "verified_at": now},
    )


def verified_at(conn: Connection, citizen_id: str) -> datetime | None:
    """When the citizen verified the number they have now; None if they have not."""
    found = accounts.citizen(conn, citizen_id)
    row = conn.execute(
        select(verified_phones).where(verified_phones.c.citizen_id == citizen_id)
    ).first()
    if found is None or row is None or bytes(row.phone_hash) != bytes(found.phone_hash):
        return None
    verified: datetime = row.verified_at
    return verified
