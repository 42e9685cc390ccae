"""Citizen app: lotteries (抽奖) — those open now and those the citizen holds entries in, buying
entries with points where they are for sale, the draw's public record to check, and the prizes
won, each a voucher with its QR code for the prize's merchant. The same services as
`/api/v1/me/lotteries`; the draw and its proof are the `lotteries` package's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.errors import InvalidInput
from carbonledger.lotteries import prizes, purchases, views
from carbonledger.platform import Platform
from carbonledger.points.ledger import balance
from carbonledger.points.postings import citizen_account
from carbonledger.web.base.guard import page_session
from carbonledger.web.citizen.page import Page, after
from carbonledger.web.citizen.rewards import new_key, voucher_codes, voucher_qr

router = APIRouter(include_in_schema=False)
PATH = "/app/lotteries"


def _context(conn: Connection, platform: Platform, citizen: str, _language: str) -> dict[str, Any]:
    return {
        "lotteries": views.visible(conn, citizen, clock.now()),
        "prizes": prizes.of_citizen(conn, citizen),
        "balance": balance(conn, citizen_account(citizen)),
        "new_key": new_key,
        "qr": voucher_qr,
        "voucher": voucher_codes(platform),
    }


LOTTERIES = Page("citizen/lotteries.html", "activities", _context)


@router.get(PATH)
async def lotteries(request: Request) -> HTMLResponse:
    return await LOTTERIES.show(request, await page_session(request, "citizen"))


def _buy(conn: Connection, _platform: Platform, citizen: str, form: dict[str, str]) -> None:
    count = form.get("count", "")
    if not count.isdigit() or int(count) < 1:
        raise InvalidInput("count: how many entries, a whole number", code="invalid_purchase")
    purchases.buy(
        conn, form.get("lottery", ""), citizen, int(count), form.get("key", ""), clock.now()
    )


@router.post(PATH + "/entries")
async def buy(request: Request) -> Response:
    done = await LOTTERIES.act(request, _buy)
    return done if isinstance(done, HTMLResponse) else after(PATH, "entered")
