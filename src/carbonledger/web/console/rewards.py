"""Console: rewards oversight (奖励监管, role `points`) — every merchant's rewards in any status
with their redemptions (held, confirmed, voided); the operator approves a merchant's new reward
(it goes live), suspends a reward (hidden, not
redeemable; vouchers issued stay usable) or restores it. The same services as the
`/api/v1/admin/rewards` routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.errors import NotFound
from carbonledger.rewards import catalogue
from carbonledger.rewards.rules import RewardStatus
from carbonledger.rewards.schemas import reward_listing
from carbonledger.web.console.support import Area, Operator, show

router = APIRouter(include_in_schema=False)
PATH = "/console/rewards"
ACTIONS = {
    "suspend": RewardStatus.SUSPENDED,
    "restore": RewardStatus.ACTIVE,
    "approve": RewardStatus.ACTIVE,
}


async def page(
    request: Request,
    me: Operator,
    *,
    flash: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    def read(conn: Connection) -> list[dict[str, Any]]:
        listed = catalogue.overview(conn)
        return [reward_listing(row, dict(counts)).model_dump() for row, counts in listed]

    rows = await transactions.read(request, read)
    return show(
        request, "console/rewards.html", me, "rewards", status=status, flash=flash, rewards=rows
    )


AREA = Area(PATH, "points", page)


@router.get(PATH)
async def rewards(request: Request) -> Response:
    return await AREA.show(request)


def _set_status(conn: Connection, reward_id: str, action: str) -> None:
    wanted = ACTIONS.get(action)
    if wanted is None:
        raise NotFound("a reward is suspended or restored", code="invalid_action")
    catalogue.set_status(conn, reward_id, wanted, clock.now())


@router.post(PATH + "/{reward_id}/{action}")
async def change(request: Request, reward_id: str, action: str) -> Response:
    return await AREA.change(
        request,
        f"reward_{action}",
        "",
        lambda conn, _me, _form: _set_status(conn, reward_id, action),
    )
