"""Pages of the market: the console's market area (role `market`: form, answer, issue,
verifiers, accounts, sales, retirements), the public registry (lots with their notice and
objections, holders, retirements with certificates) and the citizen's own page (which of
their credits went into which lot, and what it was retired for)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import CarbonLedgerError, InvalidInput
from carbonledger.market import documents, forming, lots, registry, verifiers
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market.lots import MAX_LOT
from carbonledger.market.schemas import MAX_AMOUNT
from carbonledger.web.citizen_page import Page
from carbonledger.web.console_support import Area, Operator, done, form_action, show
from carbonledger.web.guard import checked_form, page_session
from carbonledger.web.portal_auth import portal_partner, reading, writing
from carbonledger.web.rendering import render

router = APIRouter(include_in_schema=False)
LotNumber = Annotated[int, PathParam(ge=1, le=MAX_LOT)]
PATH = "/console/market"


def _number(form: dict[str, str], name: str, default: int | None = None) -> int:
    text = form.get(name, "").strip()
    if not text and default is not None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {text!r}") from None
    if abs(value) > MAX_AMOUNT:
        raise InvalidInput(f"{name} is out of range")
    return value


def _list(form: dict[str, str], name: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in form.get(name, "").replace("，", ",").split(",") if p.strip())


def _terms(form: dict[str, str]) -> forming.LotTerms:
    try:
        period = (
            date.fromisoformat(form.get("start", "")),
            date.fromisoformat(form.get("end", "")),
        )
    except ValueError:
        raise InvalidInput("the period's days are written YYYY-MM-DD") from None
    return forming.LotTerms(
        period[0],
        period[1],
        _list(form, "scenarios"),
        _list(form, "regions"),
        unit_mg=_number(form, "unit_g", 1000) * 1000,
        buffer_bp=_number(form, "buffer_bp", 500),
        notice_days=_number(form, "notice_days", forming.DEFAULT_NOTICE_DAYS),
        review_days=_number(form, "review_days", forming.DEFAULT_REVIEW_DAYS),
    )


async def page(
    request: Request,
    me: Operator,
    *,
    flash: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    def read(conn: Connection) -> dict[str, Any]:
        return {
            "lots": documents.lots_document(conn),
            "accounts": registry_repo.accounts(conn),
            "verifiers": documents.verifiers_document(conn),
            "held": registry_repo.held_units(conn),
        }

    context = await transactions.read(request, read)
    return show(
        request,
        "market/console.html",
        me,
        "market",
        status=status,
        flash=flash,
        form=form or {},
        **context,
    )


AREA = Area(PATH, "market", page)


@router.get(PATH)
async def console(request: Request) -> Response:
    return await AREA.show(request)


@router.post(PATH + "/lots")
async def form_lot(request: Request) -> Response:
    platform = platform_of(request)
    known = [s.code for s in platform.catalogue.scenarios]

    async def act(me: Operator, form: dict[str, str]) -> Response:
        now = clock.now()
        planned = await transactions.read(
            request, lambda conn: forming.plan(conn, _terms(form), known_scenarios=known, now=now)
        )
        await transactions.write(
            request,
            lambda conn: forming.form(
                conn, planned, city=platform.settings.region, by=me.id, now=now
            ),
        )
        return done(PATH, "lot_formed")

    return await form_action(request, "market", act, page)


@router.post(PATH + "/objections/{objection_id}/answer")
async def answer(request: Request, objection_id: str) -> Response:
    return await AREA.change(
        request,
        "objection_answered",
        objection_id,
        lambda conn, me, form: lots.answer(
            conn, objection_id, form.get("text", ""), me.id, clock.now()
        ),
    )


@router.post(PATH + "/lots/{number}/issue")
async def issue(request: Request, number: LotNumber) -> Response:
    return await AREA.change(
        request,
        "lot_issued",
        str(number),
        lambda conn, me, form: lots.issue(conn, number, me.id, clock.now()),
    )


@router.post(PATH + "/verifiers")
async def register_verifier(request: Request) -> Response:
    return await AREA.change(
        request,
        "verifier_registered",
        "",
        lambda conn, me, form: verifiers.register(
            conn,
            form.get("id", "").strip(),
            form.get("name", ""),
            form.get("key", ""),
            me.id,
            clock.now(),
        ),
    )


@router.post(PATH + "/accounts")
async def open_account(request: Request) -> Response:
    return await AREA.change(
        request,
        "account_opened",
        "",
        lambda conn, me, form: registry.open_account(
            conn,
            form.get("id", "").strip(),
            form.get("kind", ""),
            form.get("name", ""),
            clock.now(),
        ),
    )


@router.post(PATH + "/transfers")
async def transfer(request: Request) -> Response:
    return await AREA.change(
        request,
        "units_sold",
        "",
        lambda conn, me, form: registry.transfer(
            conn,
            _number(form, "lot"),
            _number(form, "units"),
            seller=form.get("seller", "pool"),
            buyer=form.get("buyer", ""),
            price_fen=_number(form, "price_fen"),
            funds=form.get("funds", "").strip() or None,
            now=clock.now(),
        ),
    )


@router.post(PATH + "/retirements")
async def retire(request: Request) -> Response:
    return await AREA.change(
        request,
        "units_retired",
        "",
        lambda conn, me, form: registry.retire(
            conn,
            _number(form, "lot"),
            _number(form, "units"),
            holder=form.get("holder", ""),
            purpose=form.get("purpose", ""),
            beneficiary=form.get("beneficiary", ""),
            now=clock.now(),
        ),
    )


# The public registry


@router.get("/market")
async def public_lots(request: Request) -> HTMLResponse:
    found = await transactions.read(request, documents.lots_document)
    return render(request, "market/lots.html", lots=found)


async def _lot_page(
    request: Request, number: int, flash: str | None = None, status: int = 200
) -> HTMLResponse:
    def read(conn: Connection) -> dict[str, Any]:
        return {
            "lot": documents.lot_document(conn, number),
            "holdings": documents.holdings_document(conn, number),
            "retirements": documents.retirements_document(conn, number),
        }

    return render(
        request,
        "market/lot.html",
        status=status,
        flash=flash,
        **await transactions.read(request, read),
    )


@router.get("/market/lots/{number}")
async def public_lot(request: Request, number: LotNumber) -> HTMLResponse:
    return await _lot_page(request, number)


@router.post("/market/lots/{number}/objections")
async def public_objection(request: Request, number: LotNumber) -> Response:
    # Anyone may object, logged in or not: the form carries no session, so it needs no CSRF
    # token; it can only add an objection, never act for someone.
    text = str((await request.form()).get("text", ""))
    try:
        await transactions.write(
            request, lambda conn: lots.object_to(conn, number, text, clock.now())
        )
    except CarbonLedgerError as error:
        return await _lot_page(request, number, error.message, error.status)
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


async def _portal_page(request: Request, flash: str | None = None, status: int = 200) -> Response:
    session, partner = await portal_partner(request)
    view = await reading(request, lambda conn: documents.holder_view(conn, _enterprise(partner)))
    return render(
        request,
        "market/portal.html",
        session=session,
        partner=partner,
        active="market",
        status=status,
        flash=flash,
        flash_kind="error" if flash else None,
        view=view,
    )


@router.get("/portal/market")
async def portal_market(request: Request) -> Response:
    return await _portal_page(request)


@router.post("/portal/market/retire")
async def portal_retire(request: Request) -> Response:
    session, partner = await portal_partner(request)
    try:
        form = await checked_form(request, session)
        await writing(
            request,
            lambda conn: registry.retire(
                conn,
                _number(form, "lot"),
                _number(form, "units"),
                holder=_enterprise(partner),
                purpose=form.get("purpose", ""),
                beneficiary=form.get("beneficiary", ""),
                now=clock.now(),
            ),
        )
    except CarbonLedgerError as error:
        return await _portal_page(request, error.message, error.status)
    return RedirectResponse("/portal/market?retired=1", status_code=303)
