"""Citizen app: the rewards mall (积分商城) and my points (积分明细). The rewards on offer,
redeeming one for a voucher code (its points are held until the merchant accepts the voucher),
my vouchers, and giving an unused one back; the points statement: balance, what expires when,
the latest movements. The same services answer `/api/v1/rewards`, `/api/v1/me/redemptions` and
`/api/v1/me/points`.

Each redeem form carries a fresh idempotency key, so a double click or a resent form returns
the first redemption instead of redeeming twice."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.accounts import service as accounts
from carbonledger.accounts.sessions import Session
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform
from carbonledger.points.ledger import balance
from carbonledger.points.postings import citizen_account
from carbonledger.points.schemas import PointsOut
from carbonledger.points.statement import statement
from carbonledger.rewards import catalogue
from carbonledger.rewards import service as rewards
from carbonledger.rewards.rules import KINDS
from carbonledger.web.citizen_support import after, reading, refused, show, writing
from carbonledger.web.guard import checked_form, page_session

router = APIRouter(include_in_schema=False)
_PAGE = "citizen/rewards.html"
MOVEMENTS = 50


def new_key() -> str:
    """An idempotency key for one form: a retry of that form repeats it."""
    return secrets.token_urlsafe(18)


def _context(conn: Connection, citizen: str) -> dict[str, Any]:
    return {
        "rewards": catalogue.available(conn, clock.now()),
        "redemptions": rewards.redemptions_of(conn, citizen),
        "balance": balance(conn, citizen_account(citizen)),
        "merchants": accounts.partner_names(conn),
        "kinds": KINDS,
        "new_key": new_key,
    }


async def _page(request: Request, session: Session) -> dict[str, Any]:
    return await reading(request, lambda conn, _: _context(conn, session.subject))


@router.get("/app/rewards")
async def mall(request: Request) -> HTMLResponse:
    session = await page_session(request, "citizen")
    return show(request, _PAGE, session, "rewards", **await _page(request, session))


@router.get("/app/points")
async def my_points(request: Request) -> HTMLResponse:
    session = await page_session(request, "citizen")

    def read(conn: Connection, platform: Platform) -> PointsOut:
        zone = platform.settings.zone
        return PointsOut.of(statement(conn, session.subject, zone, clock.now(), MOVEMENTS))

    points = await reading(request, read)
    return show(request, "citizen/points.html", session, "rewards", points=points)


@router.post("/app/rewards/redeem")
async def redeem(request: Request) -> Response:
    session = await page_session(request, "citizen")
    try:
        form = await checked_form(request, session)

        def work(conn: Connection, platform: Platform) -> str:
            hold = platform.settings.redemption_hold_minutes
            done = rewards.redeem(
                conn,
                session.subject,
                form.get("reward", ""),
                form.get("key", ""),
                clock.now(),
                hold,
            )
            return str(done.redemption.id)

        redemption_id = await writing(request, work)
    except CarbonLedgerError as error:
        return refused(request, _PAGE, session, "rewards", error, **await _page(request, session))
    return after("/app/rewards", "redeemed", anchor=f"redemption-{redemption_id}")


@router.post("/app/rewards/cancel")
async def cancel(request: Request) -> Response:
    session = await page_session(request, "citizen")
    try:
        form = await checked_form(request, session)
        await writing(
            request,
            lambda conn, _: rewards.cancel(
                conn, session.subject, form.get("redemption", ""), clock.now()
            ),
        )
    except CarbonLedgerError as error:
        return refused(request, _PAGE, session, "rewards", error, **await _page(request, session))
    return after("/app/rewards", "cancelled")
