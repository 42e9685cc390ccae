"""Login sessions: random tokens kept by the browser in a cookie and by the platform only as a
keyed hash, a CSRF token per session, the operator roles, and the throttle on failed logins. Pure.

The cookie is HttpOnly and SameSite=Lax; every request that changes something must also carry the
session's CSRF token (the `X-CSRF-Token` header, or a `csrf_token` form field), which a page of
another site cannot read, so a forged cross-site request is refused.
"""

from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from carbonledger.accounts.protection import keyed_hash

COOKIE = "cl_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ROLES = ("admin", "partners", "methodology", "points", "reviewer", "reports", "market")
"""Operator roles. `admin` holds every other role; `partners` approves and suspends partners;
`methodology` publishes methodology versions; `points` sets points rules, campaigns, rewards,
projects, events and lotteries; `reviewer` reviews flagged records and reverses credits;
`reports` exports the government's reports; `market` forms, issues and sells lots of
certified reductions and registers their verifiers."""

MAX_FAILURES = 5
"""Failed logins of one account from one address before each try must wait."""
_TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class Session:
    """Who a request acts for: `kind` citizen, operator or partner, and their id."""

    kind: str
    subject: str
    csrf: str
    expires_at: datetime


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def token_hash(session_key: bytes, token: str) -> bytes:
    return keyed_hash(session_key, "session", token)


def csrf_matches(session: Session, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(session.csrf, presented)


def sent_from_elsewhere(fetch_site: str | None, origin: str | None, own_origin: str) -> bool:
    """Whether the browser says a request came from another site's page: `Sec-Fetch-Site` other
    than same-origin (or none, typed by the user), or an `Origin` that is not this site. A
    request that sets a session has no CSRF token yet, so this is its check."""
    if (fetch_site or "same-origin") not in ("same-origin", "none"):
        return True
    return origin is not None and origin != own_origin


def roles_problem(roles: list[str]) -> str | None:
    unknown = sorted(set(roles) - set(ROLES))
    if not roles:
        return f"an operator needs at least one role of {', '.join(ROLES)}"
    if unknown:
        return f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}"
    return None


def has_role(roles: list[str], role: str) -> bool:
    return "admin" in roles or role in roles


@dataclass(frozen=True, slots=True)
class Throttle:
    """How failed logins counted under one key slow the next try: after `free` failures each
    try waits twice as long as the one before (1 s, 2 s, 4 s, ...) up to `cap`; a streak is
    forgotten a day after its last failure.

    Three keys count every failure: the account from this address (the owner elsewhere is not
    slowed), the address over all accounts (one machine trying many), and the account over all
    addresses, whose wait is capped at a minute so that guessing from many machines stays slow
    while the owner is never locked out."""

    free: int
    cap: timedelta


ACCOUNT_FROM_ADDRESS = Throttle(MAX_FAILURES, timedelta(minutes=15))
ADDRESS = Throttle(20, timedelta(minutes=15))
ACCOUNT = Throttle(20, timedelta(minutes=1))
FORGOTTEN_AFTER = timedelta(days=1)


def wait_after(throttle: Throttle, failures: int, last_at: datetime | None, now: datetime) -> int:
    """Whole seconds until the next try under `throttle` after `failures` failed ones, the last
    at `last_at`; 0 when a try is allowed now."""
    if last_at is None or failures < throttle.free or now - last_at >= FORGOTTEN_AFTER:
        return 0
    step = timedelta(seconds=2 ** min(failures - throttle.free, 20))
    left = last_at + min(step, throttle.cap) - now
    return math.ceil(left.total_seconds()) if left > timedelta(0) else 0
