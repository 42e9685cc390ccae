"""Login sessions: random tokens kept by the browser in a cookie and by the platform only as a
keyed hash, a CSRF token per session, the operator roles, and the throttle on failed logins. Pure.

The cookie is HttpOnly and SameSite=Lax; every request that changes something must also carry the
session's CSRF token (the `X-CSRF-Token` header, or a `csrf_token` form field), which a page of
another site cannot read, so a forged cross-site request is refused.
"""

from __future__ import annotations

import hmac
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
FAILURE_WINDOW = timedelta(minutes=15)
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


def roles_problem(roles: list[str]) -> str | None:
    unknown = sorted(set(roles) - set(ROLES))
    if not roles:
        return f"an operator needs at least one role of {', '.join(ROLES)}"
    if unknown:
        return f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}"
    return None


def has_role(roles: list[str], role: str) -> bool:
    return "admin" in roles or role in roles


def locked_for(failures: int, first_at: datetime | None, now: datetime) -> int:
    """Seconds until another login may be tried after `failures` failed ones since `first_at`;
    0 when a try is allowed. The count starts again once the window has passed."""
    if first_at is None or failures < MAX_FAILURES:
        return 0
    left = first_at + FAILURE_WINDOW - now
    return max(int(left.total_seconds()) + 1, 0) if left > timedelta(0) else 0
