"""Citizen app: the rewards mall (积分商城) and my points (积分明细). The rewards on offer,
redeeming one for a voucher code (its points are held until the merchant accepts the voucher),
my vouchers, and giving an unused one back; the points statement: balance, what expires when,
the latest movements. The same services answer `/api/v1/rewards`, `/api/v1/me/redemptions` and
`/api/v1/me/points`.

Each redeem form carries a fresh idempotency key, so a double click or a resent form returns
the first redemption instead of redeeming twice."""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts import service as accounts
from carbonledger.accounts.dependencies import platform_of
from carbonledger.platform import Platform
from carbonledger.points.ledger import balance
from carbonledger.points.postings import citizen_account
from carbonledger.points.schemas import PointsOut
from carbonledger.points.statement import statement
from carbonledger.rewards import catalogue, vouchers
from carbonledger.rewards import service as rewards
from carbonledger.rewards.rules import KINDS
from carbonledger.web.base.guard import page_session
from carbonledger.web.citizen.page import Page, after, show

router = APIRouter(include_in_schema=False)
MOVEMENTS = 50


def voucher_qr(code: str) -> Markup:
    """The voucher's code as a QR code (inline SVG, drawn on the server) for the merchant to
    scan at the till."""
    svg = segno.make(code, error="m").svg_inline(scale=4, border=2, omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own SVG of a code the platform issued


def voucher_codes(platform: Platform) -> partial[str]:
    """For a page: a held voucher's code (decrypted here, for its own citizen only)."""
    return partial(vouchers.shown, platform.keys)


def new_key() -> str:
    """An idempotency key for one form: a retry of that form repeats it."""
    return secrets.token_urlsafe(18)


def _context(conn: Connection, platform: Platform, citizen: str, _language: str) -> dict[str, Any]:
    return {
        "hold_minutes": platform.settings.redemption_hold_minutes,
        "qr": voucher_qr,
        "voucher": voucher_codes(platform),
        "rewards": catalogue.available(conn, clock.now()),
        "redemptions": rewards.redemptions_of(conn, citizen),
        "balance": balance(conn, citizen_account(citizen)),
        "merchants": accounts.partner_names(conn),
        "kinds": KINDS,
        "new_key": new_key,
    }


MALL = Page("citizen/rewards.html", "rewards", _context)


@router.get("/app/rewards")
async def mall(request: Request) -> HTMLResponse:
    return await MALL.show(request, await page_session(request, "citizen"))


@router.get("/app/points")
async def my_points(request: Request) -> HTMLResponse:
    session = await page_session(request, "citizen")

    zone = platform_of(request).settings.zone

    def read(conn: Connection) -> PointsOut:
        return PointsOut.of(statement(conn, session.subject, zone, clock.now(), MOVEMENTS))

    points = await transactions.read(request, read)
    return show(request, "citizen/points.html", session, "rewards", points=points)


def _redeem(conn: Connection, platform: Platform, citizen: str, form: dict[str, str]) -> str:
    hold = platform.settings.redemption_hold_minutes
    reward, key = form.get("reward", ""), form.get("key", "")
    redeemed = rewards.redeem(conn, platform.keys, citizen, reward, key, clock.now(), hold)
    return str(redeemed.redemption.id)


@router.post("/app/rewards/redeem")
async def redeem(request: Request) -> Response:
    done = await MALL.act(request, _redeem)
    if isinstance(done, HTMLResponse):
        return done
    return after("/app/rewards", "redeemed", anchor=f"redemption-{done[1]}")


@router.post("/app/rewards/cancel")
async def cancel(request: Request) -> Response:
    done = await MALL.act(
        request,
        lambda conn, _platform, citizen, form: rewards.cancel(
            conn, citizen, form.get("redemption", ""), clock.now()
        ),
    )
    return done if isinstance(done, HTMLResponse) else after("/app/rewards", "cancelled")
