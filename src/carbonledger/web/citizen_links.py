"""Citizen app: linking partner accounts (关联). A citizen makes a one-time link code for a data
partner and types it into that partner's app, which links the account over the signed API
(PARTNER_API.md §3); the page lists the links and unlinks one. The same services answer
`/api/v1/me/links` and `/api/v1/me/link-codes`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.accounts import service as accounts
from carbonledger.accounts.sessions import Session
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform
from carbonledger.web.citizen_support import after, reading, refused, show, writing
from carbonledger.web.guard import checked_form, page_session

router = APIRouter(include_in_schema=False)
_PAGE = "citizen/links.html"


def _context(conn: Connection, citizen: str) -> dict[str, Any]:
    return {
        "links": accounts.citizen_links(conn, citizen),
        "partners": accounts.data_partners(conn),
    }


async def _page(request: Request, session: Session, **extra: Any) -> dict[str, Any]:
    context = await reading(request, lambda conn, _: _context(conn, session.subject))
    return {**context, **extra}


@router.get("/app/links")
async def links(request: Request) -> HTMLResponse:
    session = await page_session(request, "citizen")
    return show(request, _PAGE, session, "links", **await _page(request, session))


@router.post("/app/links/code")
async def new_code(request: Request) -> Response:
    session = await page_session(request, "citizen")
    try:
        form = await checked_form(request, session)

        def work(conn: Connection, platform: Platform) -> dict[str, Any]:
            minutes = platform.settings.link_code_minutes
            offer = accounts.offer_link_code(
                conn, session.subject, form.get("partner", ""), clock.now(), minutes
            )
            return {**offer, "minutes": minutes}

        offer = await writing(request, work)
    except CarbonLedgerError as error:
        return refused(request, _PAGE, session, "links", error, **await _page(request, session))
    # Shown once, on this answer: the code is not listed anywhere else.
    return show(request, _PAGE, session, "links", **await _page(request, session, offer=offer))


@router.post("/app/links/unlink")
async def unlink(request: Request) -> Response:
    session = await page_session(request, "citizen")
    try:
        form = await checked_form(request, session)
        await writing(
            request,
            lambda conn, _: accounts.unlink_citizen(conn, form.get("partner", ""), session.subject),
        )
    except CarbonLedgerError as error:
        return refused(request, _PAGE, session, "links", error, **await _page(request, session))
    return after("/app/links", "unlinked")
