"""What a citizen or operator route needs from its request: the platform, and the session it acts
for, with the CSRF check on every request that changes something and the role check for
operators. Used as FastAPI dependencies:

    def route(citizen: CurrentCitizen) -> ...
    def route(operator: Annotated[str, Depends(operator_with("points"))]) -> ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from carbonledger import clock, transactions
from carbonledger.accounts import auth, sessions
from carbonledger.accounts.sessions import Session
from carbonledger.errors import Forbidden, Unauthorized
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.transactions import platform_of as platform_of  # noqa: PLC0414 (re-exported)

CITIZEN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "not_logged_in"},
    403: {"model": ErrorOut, "description": "csrf_failed"},
}
"""The refusals every citizen route may answer, for its `responses=`."""
OPERATOR_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "not_logged_in"},
    403: {"model": ErrorOut, "description": "missing_role or csrf_failed"},
}
"""The refusals every operator route may answer, for its `responses=`."""


def client_address(request: Request) -> str:
    """The address the request came from, which failed logins are also counted under."""
    return request.client.host if request.client else ""


def refuse_other_sites(request: Request) -> None:
    """Refuse a request that would set a session when the browser says another site's page sent
    it (every login and registration, form or API)."""
    own = f"{request.url.scheme}://{request.url.netloc}"
    headers = request.headers
    if sessions.sent_from_elsewhere(headers.get("sec-fetch-site"), headers.get("origin"), own):
        raise Forbidden("this form must be sent from this site's own page", code="csrf_failed")


async def _lookup(request: Request) -> Session | None:
    """The session behind the request's cookie, if it has one that is still open."""
    token = request.cookies.get(sessions.COOKIE)
    if not token:
        return None
    keys, now = platform_of(request).keys, clock.now()
    return await transactions.read(request, lambda conn: auth.session(conn, keys, token, now))


async def _presented_csrf(request: Request) -> str | None:
    header = request.headers.get(sessions.CSRF_HEADER)
    if header is not None:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(sessions.CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def _session(request: Request, kind: str) -> Session:
    found = await _lookup(request)
    if found is None or found.kind != kind:
        raise Unauthorized(f"log in as a {kind} first", code="not_logged_in")
    if request.method not in sessions.SAFE_METHODS and not sessions.csrf_matches(
        found, await _presented_csrf(request)
    ):
        raise Forbidden(
            f"send the session's CSRF token in the {sessions.CSRF_HEADER} header "
            f"(or the {sessions.CSRF_FIELD} form field); reload the page to get it",
            code="csrf_failed",
        )
    return found


async def current_session(request: Request) -> Session | None:
    """The session of any kind behind the request's cookie, or None (no CSRF check: read only)."""
    return await _lookup(request)


async def current_citizen(request: Request) -> str:
    return (await _session(request, "citizen")).subject


CurrentCitizen = Annotated[str, Depends(current_citizen)]


def operator_with(role: str) -> Callable[[Request], Awaitable[str]]:
    """A dependency giving the logged-in operator's id if they hold `role` (or `admin`)."""
    if role not in sessions.ROLES:
        raise ValueError(f"unknown operator role {role!r}")

    async def dependency(request: Request) -> str:
        operator_id = (await _session(request, "operator")).subject
        roles = await transactions.read(
            request, lambda conn: auth.operator_roles(conn, operator_id)
        )
        if not sessions.has_role(roles, role):
            raise Forbidden(
                f"this needs the operator role {role!r}; ask an admin to grant it",
                code="missing_role",
            )
        return operator_id

    return dependency
