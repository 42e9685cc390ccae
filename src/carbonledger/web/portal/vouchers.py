"""Partner portal for merchants: confirming a voucher at the till (核销), for a redeemed reward
or a lottery prize, by typing its code or scanning the QR code on the citizen's phone
(static/scan.js uses the browser's BarcodeDetector where it has one). The code is looked up
first, so staff see what they confirm; a reward's voucher is confirmed by the same service as
`POST /api/v1/merchant/vouchers/{code}/confirm`. Codes are found by their keyed hash
(`rewards.vouchers`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import CarbonLedgerError, NotFound
from carbonledger.keys import Keys
from carbonledger.lotteries import prizes
from carbonledger.rewards import service, vouchers
from carbonledger.web.base.forms import submit
from carbonledger.web.portal.auth import portal_partner, refusal, said, show

router = APIRouter(include_in_schema=False)
PATH = "/portal/vouchers"
_TEMPLATE = "portal/vouchers.html"


def _view(keys: Keys, row: Any) -> dict[str, Any]:
    return {
        "code": vouchers.shown(keys, row),
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "points": row.points,
        "state": row.state,
        "expires_at": row.expires_at,
        "confirmed_at": row.confirmed_at,
        "prize": False,
    }


def _prize_view(keys: Keys, row: Any) -> dict[str, Any]:
    return {
        "code": vouchers.shown(keys, row),
        "name_zh": row.name,
        "name_en": row.name,
        "points": None,
        "state": "reserved" if row.state == "issued" else row.state,
        "expires_at": None,
        "confirmed_at": row.confirmed_at,
        "prize": True,
    }


def _look_up(conn: Any, keys: Keys, merchant: str, code: str) -> dict[str, Any]:
    """A reward's voucher of this merchant's, else a lottery prize's."""
    try:
        return _view(keys, service.voucher(conn, keys, merchant, code))
    except NotFound:
        found = prizes.find(conn, keys, merchant, code)
        if found is None:
            raise
        return _prize_view(keys, found)


def _confirm(conn: Any, keys: Keys, merchant: str, code: str, zone: Any) -> dict[str, Any]:
    try:
        return _view(keys, service.confirm(conn, keys, merchant, code, clock.now(), zone))
    except NotFound:
        if prizes.find(conn, keys, merchant, code) is None:
            raise
        return _prize_view(keys, prizes.confirm(conn, keys, merchant, code, clock.now()))


@router.get(PATH)
async def vouchers_page(
    request: Request, code: Annotated[str, Query(max_length=32)] = ""
) -> HTMLResponse:
    session, partner = await portal_partner(request, "merchant")
    context: dict[str, Any] = {
        "session": session,
        "partner": partner,
        "active": "vouchers",
        "code": code.strip(),
        "voucher": None,
    }
    if not code.strip():
        return show(request, _TEMPLATE, **context)
    keys = platform_of(request).keys
    try:
        found = await transactions.read(
            request, lambda conn: _look_up(conn, keys, partner["partner"], code)
        )
    except CarbonLedgerError as error:
        return refusal(request, error, _TEMPLATE, **context)
    return show(request, _TEMPLATE, **{**context, "voucher": found})


@router.post(PATH + "/confirm")
async def confirm(request: Request) -> HTMLResponse:
    session, partner = await portal_partner(request, "merchant")
    platform = platform_of(request)
    keys, zone = platform.keys, platform.settings.zone
    context: dict[str, Any] = {"session": session, "partner": partner, "active": "vouchers"}
    code = ""

    def work(conn: Any, form: dict[str, str]) -> dict[str, Any]:
        nonlocal code
        code = form.get("code", "").strip()
        return _confirm(conn, keys, partner["partner"], code, zone)

    try:
        confirmed = await submit(request, session, work)
    except CarbonLedgerError as error:
        return refusal(request, error, _TEMPLATE, code=code, voucher=None, **context)
    return show(
        request,
        _TEMPLATE,
        code="",
        voucher=confirmed,
        flash=said(request, "portal.vouchers.confirmed"),
        flash_kind="ok",
        **context,
    )
