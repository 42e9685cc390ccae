"""Partner portal for merchants: listing a new reward (it waits for the operator's approval
before citizens see it) and changing a reward's price and stock, from the rewards page. The
same services as `POST` and `PATCH /api/v1/merchant/rewards`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from carbonledger import clock
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import CarbonLedgerError, InvalidInput
from carbonledger.rewards import catalogue
from carbonledger.rewards.rules import RewardStatus, Terms
from carbonledger.web.base.forms import submit
from carbonledger.web.portal.auth import portal_partner
from carbonledger.web.portal.merchant import rewards_page

router = APIRouter(include_in_schema=False)
PATH = "/portal/rewards"


def _whole(text: str, name: str, problems: list[str]) -> int:
    value = text.strip().replace(",", "")
    if not value.isdigit():
        problems.append(f"{name}: a whole number")
        return 0
    return int(value)


def _moment(text: str, name: str, zone: Any, problems: list[str]) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        problems.append(f"{name}: a date and time")
        return clock.now()
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _terms(form: dict[str, str], zone: Any) -> Terms:
    problems: list[str] = []
    limit = form.get("per_citizen_limit", "").strip()
    terms = Terms(
        kind=form.get("kind", ""),
        name_zh=form.get("name_zh", "").strip(),
        name_en=form.get("name_en", "").strip(),
        price=_whole(form.get("price", ""), "price", problems),
        stock=_whole(form.get("stock", ""), "stock", problems),
        per_citizen_limit=_whole(limit, "per_citizen_limit", problems) if limit else None,
        valid_from=clock.now(),
        valid_until=_moment(form.get("valid_until", ""), "valid_until", zone, problems),
    )
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_reward")
    return terms


async def _refused(request: Request, error: CarbonLedgerError) -> Response:
    return await rewards_page(request, None, None, refused=error)


@router.post(PATH)
async def list_reward(request: Request) -> Response:
    session, partner = await portal_partner(request, "merchant")
    zone = platform_of(request).settings.zone
    try:
        await submit(
            request,
            session,
            lambda conn, form: catalogue.create(
                conn, partner["partner"], _terms(form, zone), clock.now(), RewardStatus.PENDING
            ),
        )
    except CarbonLedgerError as error:
        return await _refused(request, error)
    return RedirectResponse(f"{PATH}?done=reward_listed", status_code=303)


@router.post(PATH + "/{reward_id}")
async def change_reward(request: Request, reward_id: str) -> Response:
    session, partner = await portal_partner(request, "merchant")

    def work(conn: Any, form: dict[str, str]) -> Any:
        problems: list[str] = []
        changes = {
            "price": _whole(form.get("price", ""), "price", problems),
            "stock": _whole(form.get("stock", ""), "stock", problems),
        }
        if problems:
            raise InvalidInput("; ".join(problems), code="invalid_reward")
        return catalogue.change(conn, partner["partner"], reward_id, changes, clock.now())

    try:
        await submit(request, session, work)
    except CarbonLedgerError as error:
        return await _refused(request, error)
    return RedirectResponse(f"{PATH}?done=reward_changed#reward-{reward_id}", status_code=303)
