"""Citizen app: my account (我的) — the profile, logging out, downloading my data (JSON, or CSV
files in a ZIP archive, from `/api/v1/me/export`) and deleting the account after a confirmation
step. Deleting calls the service behind `DELETE /api/v1/me`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.accounts import auth, sessions
from carbonledger.accounts import service as accounts
from carbonledger.errors import InvalidInput
from carbonledger.platform import Platform
from carbonledger.web.base.guard import page_session
from carbonledger.web.citizen.page import Page, after

router = APIRouter(include_in_schema=False)


def _profile(conn: Connection, platform: Platform, citizen: str, _language: str) -> dict[str, Any]:
    return {"profile": auth.profile(conn, platform.keys, citizen)}


ACCOUNT = Page("citizen/account.html", "account", _profile)
CONFIRM = Page("citizen/delete.html", "account", _profile)


@router.get("/app/account")
async def account(request: Request) -> HTMLResponse:
    return await ACCOUNT.show(request, await page_session(request, "citizen"))


@router.get("/app/account/delete")
async def confirm_delete(request: Request) -> HTMLResponse:
    return await CONFIRM.show(request, await page_session(request, "citizen"))


def _delete(conn: Connection, _platform: Platform, citizen: str, form: dict[str, str]) -> None:
    if form.get("confirm") != "yes":
        raise InvalidInput(
            "tick the box to confirm that the account is to be deleted",
            code="confirmation_required",
        )
    accounts.delete_citizen(conn, citizen, clock.now())


def _signed_out(notice: str) -> Response:
    response = after("/app/login", notice)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.post("/app/account/delete")
async def delete(request: Request) -> Response:
    done = await CONFIRM.act(request, _delete)
    return done if isinstance(done, HTMLResponse) else _signed_out("account_deleted")


@router.post("/app/logout")
async def logout(request: Request) -> Response:
    token = request.cookies.get(sessions.COOKIE, "")
    done = await ACCOUNT.act(
        request, lambda conn, platform, _citizen, _form: auth.logout(conn, platform.keys, token)
    )
    return done if isinstance(done, HTMLResponse) else _signed_out("logged_out")
