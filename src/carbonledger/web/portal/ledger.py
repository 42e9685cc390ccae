"""Partner portal pages for data partners (企业门户): the enterprise ledger with charts (the same
figures as `GET /api/v1/partner/ledger`, PARTNER_API.md §4) and the lookup of one record by the
partner's own external_id (as `GET /api/v1/records/{external_id}`). A partner sees only its own
records: every read is keyed by the logged-in partner's id, never by anything in the request."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import CarbonLedgerError, InvalidInput, NotFound
from carbonledger.ingest.repository import result_of
from carbonledger.ledgers import service
from carbonledger.web.base import i18n, names
from carbonledger.web.base.rendering import language_of
from carbonledger.web.portal.auth import portal_partner, refusal, show

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 30


def period_fields(request: Request, first: str | None, last: str | None) -> dict[str, str]:
    """The period form's `first` and `last` day: as asked, else the last DEFAULT_DAYS days."""
    today = service.today_in(platform_of(request).settings.zone, clock.now())
    return {
        "first": first or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "last": last or today.isoformat(),
    }


def period(fields: dict[str, str]) -> tuple[date, date]:
    """The period's days, from `period_fields`; a malformed day is refused (invalid_range)."""
    days = []
    for name, value in (("from", fields["first"]), ("to", fields["last"])):
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            message = f"`{name}` must be a date as YYYY-MM-DD"
            raise InvalidInput(message, code="invalid_range") from None
    return days[0], days[1]


@router.get("/portal")
async def ledger_page(
    request: Request,
    first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    last: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    session, partner = await portal_partner(request)
    if not partner["data"]:
        return RedirectResponse("/portal/rewards", status_code=303)
    fields = period_fields(request, first, last)
    context: dict[str, Any] = {
        "session": session,
        "partner": partner,
        "active": "ledger",
        **fields,
        "scenarios": {
            # records rejected before their scenario was known have none
            "": i18n.translate(language_of(request), "portal.scenario.unknown"),
            **names.scenario_names(platform_of(request).catalogue, language_of(request)),
        },
        "ledger": None,
    }
    try:
        start, end = period(fields)
        ledger = await transactions.read(
            request, lambda conn: service.enterprise(conn, partner["partner"], start, end)
        )
    except CarbonLedgerError as error:
        return refusal(request, error, "portal/ledger.html", **context)
    return show(request, "portal/ledger.html", **{**context, "ledger": ledger})


@router.get("/portal/records")
async def record_page(
    request: Request, external_id: Annotated[str, Query(max_length=128)] = ""
) -> HTMLResponse:
    session, partner = await portal_partner(request, "data")
    context: dict[str, Any] = {
        "session": session,
        "partner": partner,
        "active": "records",
        "external_id": external_id,
        "result": None,
    }
    if not external_id:
        return show(request, "portal/records.html", **context)
    found = await transactions.read(
        request, lambda conn: result_of(conn, partner["partner"], external_id)
    )
    if found is None:
        missing = NotFound(
            f"this partner sent no record with external_id {external_id!r}", code="unknown_record"
        )
        return refusal(request, missing, "portal/records.html", **context)
    return show(request, "portal/records.html", **{**context, "result": found.to_wire()})
