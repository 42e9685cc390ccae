"""Registration and login routes for citizens and operators. A login sets the session cookie
(HttpOnly, SameSite=Lax) and answers the CSRF token that every change must carry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from carbonledger import clock, transactions
from carbonledger.accounts import auth, sessions
from carbonledger.accounts.dependencies import (
    client_address,
    current_session,
    platform_of,
    refuse_other_sites,
)
from carbonledger.accounts.schemas import CitizenLoginIn, OperatorLoginIn, RegisterIn, SessionOut
from carbonledger.accounts.sessions import Session
from carbonledger.clock import now
from carbonledger.errors import Forbidden, Unauthorized
from carbonledger.ingest.schemas import ErrorOut

router = APIRouter(tags=["sessions"])
_LOGIN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "invalid_request"},
    401: {"model": ErrorOut, "description": "bad_credentials"},
    403: {"model": ErrorOut, "description": "csrf_failed: sent from another site's page"},
    429: {"model": ErrorOut, "description": "too_many_attempts; see Retry-After"},
}


def set_session_cookie(request: Request, response: Response, token: str, session: Session) -> None:
    """The login cookie, as every login (API or page) sets it: HttpOnly, SameSite=Lax, Secure
    over HTTPS, ending with the session."""
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int((session.expires_at - clock.now()).total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def _answer(
    request: Request, response: Response, token: str, session: Session, roles: list[str]
) -> SessionOut:
    set_session_cookie(request, response, token, session)
    return SessionOut(
        kind=session.kind,
        subject=session.subject,
        csrf=session.csrf,
        expires_at=session.expires_at,
        roles=roles,
    )


async def registered(request: Request, fields: dict[str, str]) -> tuple[str, Session]:
    """Register the citizen `fields` describe (name, phone, id_number, password, region) and
    log them in: for this route and the app's registration form."""
    refuse_other_sites(request)
    platform = platform_of(request)

    def work() -> tuple[str, Session]:
        entry = auth.registration(
            name=fields.get("name", ""),
            phone=fields.get("phone", ""),
            id_number=fields.get("id_number", ""),
            password=fields.get("password", ""),
            region=fields.get("region", platform.settings.region),
        )
        hours = platform.settings.session_hours
        address = client_address(request)
        return auth.register_citizen(platform.engine, platform.keys, entry, address, now(), hours)

    return await run_in_threadpool(work)


async def logged_in(
    request: Request, kind: str, login: str, secret: str
) -> tuple[str, Session] | None:
    """Log in (auth.log_in) from the request's address: for these routes and every login form."""
    refuse_other_sites(request)
    platform = platform_of(request)
    return await run_in_threadpool(
        auth.log_in,
        platform.engine,
        platform.keys,
        kind,
        login,
        secret,
        client_address(request),
        now(),
        platform.settings.session_hours,
    )


@router.post(
    "/api/v1/citizens",
    status_code=201,
    response_model=SessionOut,
    responses={
        400: {"model": ErrorOut, "description": "invalid_citizen (every problem listed)"},
        403: {"model": ErrorOut, "description": "csrf_failed: sent from another site's page"},
        409: {"model": ErrorOut, "description": "already_registered"},
        429: {"model": ErrorOut, "description": "too_many_attempts; see Retry-After"},
    },
    summary="Register a citizen with real name, ID number, phone and password; logs in",
)
async def register(body: RegisterIn, request: Request, response: Response) -> SessionOut:
    token, session = await registered(request, body.model_dump(exclude_none=True))
    return _answer(request, response, token, session, [])


async def _login(
    request: Request, response: Response, kind: str, login: str, password: str
) -> SessionOut:
    opened = await logged_in(request, kind, login, password)
    if opened is None:
        what = "phone number" if kind == "citizen" else "operator id"
        raise Unauthorized(f"the {what} or the password is wrong", code="bad_credentials")
    roles: list[str] = []
    if kind == "operator":
        subject = opened[1].subject
        roles = await transactions.read(request, lambda conn: auth.operator_roles(conn, subject))
    return _answer(request, response, *opened, roles)


@router.post(
    "/api/v1/session/citizen",
    response_model=SessionOut,
    responses=_LOGIN_ERRORS,
    summary="Log a citizen in by phone and password",
)
async def login_citizen(body: CitizenLoginIn, request: Request, response: Response) -> SessionOut:
    return await _login(request, response, "citizen", body.phone, body.password)


@router.post(
    "/api/v1/session/operator",
    response_model=SessionOut,
    responses=_LOGIN_ERRORS,
    summary="Log an operator in",
)
async def login_operator(body: OperatorLoginIn, request: Request, response: Response) -> SessionOut:
    return await _login(request, response, "operator", body.operator, body.password)


@router.get(
    "/api/v1/session",
    response_model=SessionOut,
    responses={401: {"model": ErrorOut, "description": "not_logged_in"}},
    summary="Who is logged in, with the CSRF token",
)
async def whoami(
    request: Request, session: Annotated[Session | None, Depends(current_session)]
) -> SessionOut:
    if session is None:
        raise Unauthorized("nobody is logged in", code="not_logged_in")
    roles: list[str] = []
    if session.kind == "operator":
        subject = session.subject
        roles = await transactions.read(request, lambda conn: auth.operator_roles(conn, subject))
    return SessionOut(
        kind=session.kind,
        subject=session.subject,
        csrf=session.csrf,
        expires_at=session.expires_at,
        roles=roles,
    )


@router.delete(
    "/api/v1/session",
    status_code=204,
    responses={
        401: {"model": ErrorOut, "description": "not_logged_in"},
        403: {"model": ErrorOut, "description": "csrf_failed"},
    },
    summary="Log out",
)
async def logout(
    request: Request, session: Annotated[Session | None, Depends(current_session)]
) -> Response:
    if session is None:
        raise Unauthorized("nobody is logged in", code="not_logged_in")
    if not sessions.csrf_matches(session, request.headers.get(sessions.CSRF_HEADER)):
        raise Forbidden("send the session's CSRF token to log out", code="csrf_failed")
    platform = platform_of(request)
    token = request.cookies[sessions.COOKIE]

    await transactions.write(request, lambda conn: auth.logout(conn, platform.keys, token))
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response
