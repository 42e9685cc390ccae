"""Console: points rules and campaigns (积分规则与活动, role `points`) — the award rules in force
and before, setting new ones; every campaign with its budget, creating one (funded from the
city's issuance account), topping its budget up and closing it. The same services as the
`/api/v1/admin/points` routes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import InvalidInput
from carbonledger.ids import ulid
from carbonledger.points import service
from carbonledger.points.campaigns import Campaign
from carbonledger.web.console_support import Operator, area_page, done, form_action, show

router = APIRouter(include_in_schema=False)
PATH = "/console/points"


async def page(
    request: Request,
    me: Operator,
    *,
    flash: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    platform = platform_of(request)

    def read(conn: Connection) -> dict[str, Any]:
        return {"rules": service.rules_versions(conn), "campaigns": service.campaigns(conn)}

    view = await transactions.read(request, read)
    catalogue = platform.catalogue
    return show(
        request,
        "console/points.html",
        me,
        "points",
        status=status,
        flash=flash,
        form=form or {},
        scenarios=catalogue.scenarios,
        categories=sorted({(s.category, s.category_zh) for s in catalogue.scenarios}),
        # A fresh key per page: the same top-up form sent twice funds the budget once.
        top_up_key=ulid(clock.now()),
        **view,
    )


@router.get(PATH)
async def points(request: Request) -> Response:
    return await area_page(request, "points", page)


def _whole(text: str, name: str, problems: list[str], *, blank: bool = False) -> int | None:
    text = text.strip().replace(",", "")
    if blank and not text:
        return None
    if not text.isdigit():
        problems.append(f"{name}: a whole number")
        return None
    return int(text)


def _local(text: str, name: str, request: Request, problems: list[str]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        problems.append(f"{name}: a date and time")
        return None
    zone = platform_of(request).settings.zone
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _permille(text: str, problems: list[str]) -> int | None:
    try:
        value = Decimal(text.strip()) * 1000
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.to_integral_value():
        problems.append("multiplier: a number such as 2 or 1.5")
        return None
    return int(value)


async def _campaign(request: Request, form: dict[str, str]) -> Campaign:
    """The campaign the form describes; every problem of its fields at once."""
    problems: list[str] = []
    chosen = await request.form()
    starts = _local(form.get("starts_at", ""), "starts_at", request, problems)
    ends = _local(form.get("ends_at", ""), "ends_at", request, problems)
    permille = _permille(form.get("multiplier", ""), problems)
    budget = _whole(form.get("budget", ""), "budget", problems)
    if problems or starts is None or ends is None or permille is None or budget is None:
        raise InvalidInput("; ".join(problems), code="invalid_campaign")
    return Campaign(
        id=form.get("id", "").strip(),
        name_zh=form.get("name_zh", "").strip(),
        name_en=form.get("name_en", "").strip(),
        starts_at=starts,
        ends_at=ends,
        multiplier_permille=permille,
        scenarios=frozenset(str(v) for v in chosen.getlist("scenarios")),
        categories=frozenset(str(v) for v in chosen.getlist("categories")),
        regions=frozenset(r.strip() for r in form.get("regions", "").split(",") if r.strip()),
        budget=budget,
    )


@router.post(PATH + "/rules")
async def set_rules(request: Request) -> Response:
    async def act(me: Operator, form: dict[str, str]) -> Response:
        problems: list[str] = []
        mg_per_point = _whole(form.get("mg_per_point", ""), "mg_per_point", problems)
        daily_cap = _whole(form.get("daily_cap", ""), "daily_cap", problems, blank=True)
        if problems or mg_per_point is None:
            raise InvalidInput("; ".join(problems), code="invalid_rules")

        def work(conn: Connection) -> None:
            service.set_rules(conn, mg_per_point, daily_cap, me.id, clock.now())

        await transactions.write(request, work)
        return done(PATH, "rules_set")

    return await form_action(request, "points", act, page)


@router.post(PATH + "/campaigns")
async def create_campaign(request: Request) -> Response:
    platform = platform_of(request)

    async def act(me: Operator, form: dict[str, str]) -> Response:
        campaign = await _campaign(request, form)

        def work(conn: Connection) -> None:
            catalogue = platform.refresh_catalogue(conn)
            service.create_campaign(conn, catalogue, campaign, me.id, clock.now())

        await transactions.write(request, work)
        return done(PATH, "campaign_created", campaign.id)

    return await form_action(request, "points", act, page)


@router.post(PATH + "/campaigns/{campaign_id}/top-up")
async def top_up(request: Request, campaign_id: str) -> Response:
    async def act(me: Operator, form: dict[str, str]) -> Response:
        problems: list[str] = []
        amount = _whole(form.get("points", ""), "points", problems)
        if amount is None:
            raise InvalidInput("; ".join(problems), code="invalid_top_up")
        key = form.get("key", "")[:40] or ulid(clock.now())

        def work(conn: Connection) -> None:
            service.top_up(conn, campaign_id, amount, key, me.id, clock.now())

        await transactions.write(request, work)
        return done(PATH, "campaign_topped_up", campaign_id)

    return await form_action(request, "points", act, page)


@router.post(PATH + "/campaigns/{campaign_id}/close")
async def close(request: Request, campaign_id: str) -> Response:
    async def act(me: Operator, _form: dict[str, str]) -> Response:
        def work(conn: Connection) -> None:
            service.close_campaign(conn, campaign_id, me.id, clock.now())

        await transactions.write(request, work)
        return done(PATH, "campaign_closed", campaign_id)

    return await form_action(request, "points", act, page)
