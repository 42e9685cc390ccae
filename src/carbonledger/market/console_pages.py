"""The console's market area (role `market`): form a lot, answer objections, issue, register
verifiers, open buyers' accounts, sell and retire."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import InvalidInput
from carbonledger.market import documents, forming, lots, registry, verifiers
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market.lots import MAX_LOT
from carbonledger.market.schemas import MAX_AMOUNT
from carbonledger.web.base.rendering import after
from carbonledger.web.console.support import Area, Operator, form_action, show

router = APIRouter(include_in_schema=False)
LotNumber = Annotated[int, PathParam(ge=1, le=MAX_LOT)]
PATH = "/console/market"


def number_field(form: dict[str, str], name: str, default: int | None = None) -> int:
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
    bad = []
    for name in ("start", "end"):
        try:
            date.fromisoformat(form.get(name, ""))
        except ValueError:
            bad.append(f"{name}: a day written YYYY-MM-DD")
    if bad:
        raise InvalidInput("; ".join(bad), code="invalid_lot")
    period = (date.fromisoformat(form["start"]), date.fromisoformat(form["end"]))
    return forming.LotTerms(
        period[0],
        period[1],
        _list(form, "scenarios"),
        _list(form, "regions"),
        unit_mg=number_field(form, "unit_g", 1000) * 1000,
        buffer_bp=number_field(form, "buffer_bp", 500),
        notice_days=number_field(form, "notice_days", forming.DEFAULT_NOTICE_DAYS),
        review_days=number_field(form, "review_days", forming.DEFAULT_REVIEW_DAYS),
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
        return after(PATH, "lot_formed")

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
            number_field(form, "lot"),
            number_field(form, "units"),
            seller=form.get("seller", "pool"),
            buyer=form.get("buyer", ""),
            price_fen=number_field(form, "price_fen"),
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
            number_field(form, "lot"),
            number_field(form, "units"),
            holder=form.get("holder", ""),
            purpose=form.get("purpose", ""),
            beneficiary=form.get("beneficiary", ""),
            now=clock.now(),
        ),
    )
