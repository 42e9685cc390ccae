"""Partner portal for merchants: confirming a voucher at the till (核销) by typing its code or
scanning the QR code on the citizen's phone (static/scan.js uses the browser's BarcodeDetector
where it has one). The code is looked up first, so staff see what they confirm; confirming
calls the same service as `POST /api/v1/merchant/vouchers/{code}/confirm`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import CarbonLedgerError
from carbonledger.rewards import service
from carbonledger.web.base.forms import submit
from carbonledger.web.portal.auth import portal_partner, refusal, said, show

router = APIRouter(include_in_schema=False)
PATH = "/portal/vouchers"
_TEMPLATE = "portal/vouchers.html"


def _view(row: Any) -> dict[str, Any]:
    return {
        "code": row.voucher_code,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "points": row.points,
        "state": row.state,
        "expires_at": row.expires_at,
        "confirmed_at": row.confirmed_at,
    }


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
    try:
        row = await transactions.read(
            request, lambda conn: service.voucher(conn, partner["partner"], code)
        )
    except CarbonLedgerError as error:
        return refusal(request, error, _TEMPLATE, **context)
    return show(request, _TEMPLATE, **{**context, "voucher": _view(row)})


@router.post(PATH + "/confirm")
async def confirm(request: Request) -> HTMLResponse:
    session, partner = await portal_partner(request, "merchant")
    zone = platform_of(request).settings.zone
    context: dict[str, Any] = {"session": session, "partner": partner, "active": "vouchers"}
    code = ""

    def work(conn: Any, form: dict[str, str]) -> Any:
        nonlocal code
        code = form.get("code", "").strip()
        return service.confirm(conn, partner["partner"], code, clock.now(), zone)

    try:
        row = await submit(request, session, work)
    except CarbonLedgerError as error:
        return refusal(request, error, _TEMPLATE, code=code, voucher=None, **context)
    return show(
        request,
        _TEMPLATE,
        code="",
        voucher=_view(row),
        flash=said(request, "portal.vouchers.confirmed"),
        flash_kind="ok",
        **context,
    )
