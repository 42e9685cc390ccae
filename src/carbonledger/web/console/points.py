"""Console: points rules and campaigns (积分规则与活动, role `points`) — the award rules in force
and before, setting new ones; every campaign with its budget, creating one (funded from the
city's issuance account), topping its budget up and closing it. The same services as the
`/api/v1/admin/points` routes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection
from starlette.datastructures import FormData

from carbonledger import bounds, clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import InvalidInput
from carbonledger.ids import ulid
from carbonledger.points import service
from carbonledger.points.campaigns import Campaign
from carbonledger.web.console.support import Area, Operator, show

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
        now=clock.now(),
        late=timedelta(days=platform.settings.retention_days),
        **view,
    )


AREA = Area(PATH, "points", page)


@router.get(PATH)
async def points(request: Request) -> Response:
    return await AREA.show(request)


def _whole(text: str, name: str, problems: list[str], *, blank: bool = False) -> int | None:
    if blank and not text.strip():
        return None
    value = bounds.whole_number(text)
    if value is None:
        problems.append(f"{name}: a whole number from 0 to {bounds.MAX_AMOUNT:,}")
    return value


def _local(text: str, name: str, zone: ZoneInfo, problems: list[str]) -> datetime | None:
    """A time the operator typed, in the city's time unless it names its own zone."""
    try:
        return bounds.local_instant(text, zone)
    except ValueError as error:
        problems.append(f"{name}: {error}")
        return None


def _permille(text: str, problems: list[str]) -> int | None:
    try:
        value = Decimal(text.strip()) * 1000
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.to_integral_value():
        problems.append("multiplier: a number such as 2 or 1.5")
        return None
    return int(value)


def _campaign(form: FormData, zone: ZoneInfo) -> Campaign:
    """The campaign the form describes; every problem of its fields at once."""
    problems: list[str] = []

    def text(name: str) -> str:
        return str(form.get(name, ""))

    starts = _local(text("starts_at"), "starts_at", zone, problems)
    ends = _local(text("ends_at"), "ends_at", zone, problems)
    permille = _permille(text("multiplier"), problems)
    budget = _whole(text("budget"), "budget", problems)
    if problems or starts is None or ends is None or permille is None or budget is None:
        raise InvalidInput("; ".join(problems), code="invalid_campaign")
    return Campaign(
        id=text("id").strip(),
        name_zh=text("name_zh").strip(),
        name_en=text("name_en").strip(),
        starts_at=starts,
        ends_at=ends,
        multiplier_permille=permille,
        scenarios=frozenset(str(v) for v in form.getlist("scenarios")),
        categories=frozenset(str(v) for v in form.getlist("categories")),
        regions=frozenset(r.strip() for r in text("regions").split(",") if r.strip()),
        budget=budget,
    )


def _set_rules(conn: Connection, me: Operator, form: dict[str, str]) -> None:
    problems: list[str] = []
    mg_per_point = _whole(form.get("mg_per_point", ""), "mg_per_point", problems)
    daily_cap = _whole(form.get("daily_cap", ""), "daily_cap", problems, blank=True)
    if problems or mg_per_point is None:
        raise InvalidInput("; ".join(problems), code="invalid_rules")
    service.set_rules(conn, mg_per_point, daily_cap, me.id, clock.now())


@router.post(PATH + "/rules")
async def set_rules(request: Request) -> Response:
    return await AREA.change(request, "rules_set", "", _set_rules)


@router.post(PATH + "/campaigns")
async def create_campaign(request: Request) -> Response:
    platform = platform_of(request)
    form = await request.form()

    def work(conn: Connection, me: Operator, _fields: dict[str, str]) -> None:
        campaign = _campaign(form, platform.settings.zone)
        catalogue = platform.refresh_catalogue(conn)
        service.create_campaign(conn, catalogue, campaign, me.id, clock.now())

    return await AREA.change(request, "campaign_created", str(form.get("id", "")).strip(), work)


def _top_up(conn: Connection, me: Operator, form: dict[str, str], campaign_id: str) -> None:
    problems: list[str] = []
    amount = _whole(form.get("points", ""), "points", problems)
    if amount is None:
        raise InvalidInput("; ".join(problems), code="invalid_top_up")
    # The page's key: the same form sent twice funds the budget once.
    key = form.get("key", "")[:40] or ulid(clock.now())
    service.top_up(conn, campaign_id, amount, key, me.id, clock.now())


@router.post(PATH + "/campaigns/{campaign_id}/top-up")
async def top_up(request: Request, campaign_id: str) -> Response:
    return await AREA.change(
        request,
        "campaign_topped_up",
        campaign_id,
        lambda conn, me, form: _top_up(conn, me, form, campaign_id),
    )


@router.post(PATH + "/campaigns/{campaign_id}/close")
async def close(request: Request, campaign_id: str) -> Response:
    return await AREA.change(
        request,
        "campaign_closed",
        campaign_id,
        lambda conn, me, _form: service.close_campaign(conn, campaign_id, me.id, clock.now()),
    )
