"""Partner portal pages for merchants (商户): the rewards they list, with their redemptions per
state, and their settlement statement (结算单) of confirmed vouchers per day and reward — the same
figures as `GET /api/v1/merchant/rewards` and `/api/v1/merchant/settlement`. A data-only partner
is refused (403 not_a_merchant)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from carbonledger import transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import CarbonLedgerError
from carbonledger.rewards import catalogue, service
from carbonledger.rewards.rules import KINDS
from carbonledger.rewards.schemas import listings
from carbonledger.web.portal.auth import portal_partner, refusal, show
from carbonledger.web.portal.ledger import period, period_fields

router = APIRouter(include_in_schema=False)
_TEMPLATE = "portal/rewards.html"


@router.get("/portal/rewards")
async def rewards(
    request: Request,
    first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    last: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> HTMLResponse:
    return await rewards_page(request, first, last)


async def rewards_page(
    request: Request,
    first: str | None,
    last: str | None,
    refused: CarbonLedgerError | None = None,
) -> HTMLResponse:
    """The merchant's rewards and settlement; `refused` shows the page refusing a form."""
    session, partner = await portal_partner(request, "merchant")
    merchant = partner["partner"]
    fields = period_fields(request, first, last)
    rewards = await transactions.read(
        request, lambda conn: listings(catalogue.overview(conn, merchant_id=merchant))
    )
    context: dict[str, Any] = {
        "session": session,
        "partner": partner,
        "active": "rewards",
        "zone": platform_of(request).settings.zone,
        "rewards": rewards.model_dump()["rewards"],
        **fields,
        "statement": None,
        "kinds": KINDS,
    }
    if refused is not None:
        return refusal(request, refused, _TEMPLATE, **context)
    try:
        start, end = period(fields)
        statement = await transactions.read(
            request, lambda conn: service.statement(conn, merchant, start, end)
        )
    except CarbonLedgerError as error:
        return refusal(request, error, _TEMPLATE, **context)
    return show(request, _TEMPLATE, **{**context, "statement": statement})
