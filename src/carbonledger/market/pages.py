"""Pages of the market: the public registry (lots with their notice and objections, holders,
retirements with certificates), the citizen's own page (which of their credits went into which
lot, and what it was retired for), the enterprise's page in the partner portal, and the
console's market area (console_pages.py), all on one router."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.errors import CarbonLedgerError
from carbonledger.market import console_pages, documents, lots, registry
from carbonledger.market.console_pages import LotNumber, number_field
from carbonledger.market.endpoints import limit_objections
from carbonledger.web.base.guard import checked_form, page_session
from carbonledger.web.base.rendering import refused, render
from carbonledger.web.citizen.page import Page
from carbonledger.web.portal.auth import portal_partner

router = APIRouter(include_in_schema=False)
router.include_router(console_pages.router)


# The public registry


@router.get("/market")
async def public_lots(request: Request) -> HTMLResponse:
    found = await transactions.read(request, documents.lots_document)
    return render(request, "market/lots.html", lots=found)


async def _lot_page(
    request: Request, number: int, error: CarbonLedgerError | None = None
) -> HTMLResponse:
    """The lot's public page; with `error`, refusing a form in the page's language."""

    def read(conn: Connection) -> dict[str, Any]:
        return {
            "lot": documents.lot_document(conn, number),
            "holdings": documents.holdings_document(conn, number),
            "retirements": documents.retirements_document(conn, number),
        }

    found = await transactions.read(request, read)
    if error is not None:
        return refused(request, "market/lot.html", error, audience="", **found)
    return render(request, "market/lot.html", **found)


@router.get("/market/lots/{number}")
async def public_lot(request: Request, number: LotNumber) -> HTMLResponse:
    return await _lot_page(request, number)


@router.post("/market/lots/{number}/objections")
async def public_objection(request: Request, number: LotNumber) -> Response:
    # Anyone may object, logged in or not: the form carries no session, so it needs no CSRF
    # token; it can only add an objection, never act for someone.
    text = str((await request.form()).get("text", ""))
    try:
        limit_objections(request)
        await transactions.write(
            request, lambda conn: lots.object_to(conn, number, text, clock.now())
        )
    except CarbonLedgerError as error:
        return await _lot_page(request, number, error)
    return RedirectResponse(f"/market/lots/{number}?objected=1#objections", status_code=303)


@router.get("/market/holders")
async def holders(request: Request) -> HTMLResponse:
    found = await transactions.read(request, documents.holdings_document)
    return render(request, "market/holders.html", holdings=found)


@router.get("/market/retirements")
async def retirements(request: Request) -> HTMLResponse:
    found = await transactions.read(request, documents.retirements_document)
    return render(request, "market/retirements.html", retirements=found)


# The citizen's own page

CITIZEN = Page(
    "market/citizen.html",
    "ledger",
    lambda conn, platform, citizen, language: {"story": documents.citizen_story(conn, citizen)},
)


@router.get("/app/market")
async def citizen_market(request: Request) -> HTMLResponse:
    return await CITIZEN.show(request, await page_session(request, "citizen"))


# The enterprise's own page in the partner portal: its registry account is
# `enterprise:<partner id>`, opened by the operator; it retires its own units here.


def _enterprise(partner: dict[str, Any]) -> str:
    return f"enterprise:{partner['partner']}"


async def _portal_page(request: Request, error: CarbonLedgerError | None = None) -> Response:
    """The enterprise's market page; with `error`, refusing a form in the page's language."""
    session, partner = await portal_partner(request)
    view = await transactions.read(
        request, lambda conn: documents.holder_view(conn, _enterprise(partner))
    )
    context: dict[str, Any] = {
        "session": session,
        "partner": partner,
        "active": "market",
        "view": view,
    }
    if error is not None:
        return refused(request, "market/portal.html", error, audience="portal", **context)
    return render(request, "market/portal.html", **context)


@router.get("/portal/market")
async def portal_market(request: Request) -> Response:
    return await _portal_page(request)


@router.post("/portal/market/retire")
async def portal_retire(request: Request) -> Response:
    session, partner = await portal_partner(request)
    try:
        form = await checked_form(request, session)
        await transactions.write(
            request,
            lambda conn: registry.retire(
                conn,
                number_field(form, "lot"),
                number_field(form, "units"),
                holder=_enterprise(partner),
                purpose=form.get("purpose", ""),
                beneficiary=form.get("beneficiary", ""),
                now=clock.now(),
            ),
        )
    except CarbonLedgerError as error:
        return await _portal_page(request, error)
    return RedirectResponse("/portal/market?retired=1", status_code=303)
