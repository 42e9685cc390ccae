"""Citizen app: linking partner accounts (关联). A citizen makes a one-time link code for a data
partner and types it into that partner's app, which links the account over the signed API
(PARTNER_API.md §3); the page lists the links and unlinks one. The same services answer
`/api/v1/me/links` and `/api/v1/me/link-codes`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from carbonledger import clock
from carbonledger.accounts import service as accounts
from carbonledger.web.base.guard import page_session
from carbonledger.web.citizen.page import Page, after

router = APIRouter(include_in_schema=False)
LINKS = Page(
    "citizen/links.html",
    "links",
    lambda conn, _platform, citizen, _language: {
        "links": accounts.citizen_links(conn, citizen),
        "partners": accounts.data_partners(conn),
    },
)


@router.get("/app/links")
async def links(request: Request) -> HTMLResponse:
    return await LINKS.show(request, await page_session(request, "citizen"))


@router.post("/app/links/code")
async def new_code(request: Request) -> Response:
    done = await LINKS.act(
        request,
        lambda conn, platform, citizen, form: accounts.offer_link_code(
            conn,
            platform.keys,
            citizen,
            form.get("partner", ""),
            clock.now(),
            platform.settings.link_code_minutes,
        ),
    )
    if isinstance(done, HTMLResponse):
        return done
    session, offer = done
    # Shown once, on this answer: the code is not listed anywhere else.
    return await LINKS.show(request, session, offer=offer)


@router.post("/app/links/unlink")
async def unlink(request: Request) -> Response:
    done = await LINKS.act(
        request,
        lambda conn, _platform, citizen, form: accounts.unlink_citizen(
            conn, form.get("partner", ""), citizen
        ),
    )
    return done if isinstance(done, HTMLResponse) else after("/app/links", "unlinked")
