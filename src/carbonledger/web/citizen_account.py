"""Citizen app: my account (我的) — the profile, logging out, downloading my data (JSON, or CSV
files in a ZIP archive, from `/api/v1/me/export`) and deleting the account after a confirmation
step. Deleting calls the service behind `DELETE /api/v1/me`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from carbonledger import clock
from carbonledger.accounts import auth, sessions
from carbonledger.accounts import service as accounts
from carbonledger.accounts.sessions import Session
from carbonledger.errors import CarbonLedgerError, InvalidInput
from carbonledger.web.citizen_support import after, reading, refused, show, writing
from carbonledger.web.guard import checked_form, page_session

router = APIRouter(include_in_schema=False)
_ACCOUNT = "citizen/account.html"
_CONFIRM = "citizen/delete.html"


async def _profile(request: Request, session: Session) -> dict[str, Any]:
    return await reading(
        request, lambda conn, platform: auth.profile(conn, platform.keys, session.subject)
    )


@router.get("/app/account")
async def account(request: Request) -> HTMLResponse:
    session = await page_session(request, "citizen")
    profile = await _profile(request, session)
    return show(request, _ACCOUNT, session, "account", profile=profile)


@router.get("/app/account/delete")
async def confirm_delete(request: Request) -> HTMLResponse:
    session = await page_session(request, "citizen")
    profile = await _profile(request, session)
    return show(request, _CONFIRM, session, "account", profile=profile)


@router.post("/app/account/delete")
async def delete(request: Request) -> Response:
    session = await page_session(request, "citizen")
    try:
        form = await checked_form(request, session)
        if form.get("confirm") != "yes":
            raise InvalidInput(
                "tick the box to confirm that the account is to be deleted",
                code="confirmation_required",
            )
        await writing(
            request, lambda conn, _: accounts.delete_citizen(conn, session.subject, clock.now())
        )
    except CarbonLedgerError as error:
        profile = await _profile(request, session)
        return refused(request, _CONFIRM, session, "account", error, profile=profile)
    response = after("/app/login", "account_deleted")
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.post("/app/logout")
async def logout(request: Request) -> Response:
    session = await page_session(request, "citizen")
    token = request.cookies.get(sessions.COOKIE, "")
    try:
        await checked_form(request, session)
        await writing(request, lambda conn, platform: auth.logout(conn, platform.keys, token))
    except CarbonLedgerError as error:
        profile = await _profile(request, session)
        return refused(request, _ACCOUNT, session, "account", error, profile=profile)
    response = after("/app/login", "logged_out")
    response.delete_cookie(sessions.COOKIE, path="/")
    return response
