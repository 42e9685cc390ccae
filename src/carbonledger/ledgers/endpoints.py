"""Ledger routes: the citizen's own ledger, the enterprise ledger (PARTNER_API.md §4, signed),
the government ledger (operator role `reports`) and the public dashboard's figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import (
    CITIZEN_ERRORS,
    OPERATOR_ERRORS,
    CurrentCitizen,
    operator_with,
    platform_of,
)
from carbonledger.errors import InvalidInput
from carbonledger.ingest.endpoints import signed_call
from carbonledger.ingest.schemas import SIGNED_ERRORS, ErrorOut
from carbonledger.ledgers import service

router = APIRouter()
_BAD_RANGE: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "invalid_range"}
}


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"`{name}` must be a date as YYYY-MM-DD", code="invalid_range") from None


@router.get(
    "/api/v1/me/ledger",
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="My carbon ledger: totals, by scenario, by day, and my entries (newest first)",
)
async def my_ledger(
    citizen: CurrentCitizen,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, Query(max_length=26)] = None,
) -> JSONResponse:
    return JSONResponse(
        await transactions.read(
            request, lambda conn: service.personal(conn, citizen, limit, before), may_lag=True
        )
    )


@router.get(
    "/api/v1/partner/ledger",
    responses={**SIGNED_ERRORS, **_BAD_RANGE},
    tags=["partner"],
    summary="This partner's enterprise ledger per day and scenario",
)
async def partner_ledger(
    request: Request,
    from_: Annotated[str, Query(alias="from", description="first day, YYYY-MM-DD")],
    to: Annotated[str, Query(description="last day, YYYY-MM-DD")],
) -> JSONResponse:
    caller, _, _ = await signed_call(request)
    first, last = _day(from_, "from"), _day(to, "to")
    return JSONResponse(
        await transactions.read(
            request,
            lambda conn: service.enterprise(conn, caller.partner_id, first, last),
            may_lag=True,
        )
    )


@router.get(
    "/api/v1/admin/ledger",
    responses={**OPERATOR_ERRORS, **_BAD_RANGE},
    tags=["operator"],
    summary="The government ledger: region × scenario × partner × day, participants, points flow",
)
async def government_ledger(
    _operator: Annotated[str, Depends(operator_with("reports"))],
    request: Request,
    from_: Annotated[str, Query(alias="from", description="first day, YYYY-MM-DD")],
    to: Annotated[str, Query(description="last day, YYYY-MM-DD")],
    region: Annotated[str | None, Query(pattern=r"^\d{2,6}$")] = None,
    rows: Annotated[
        bool, Query(description="add the full region × scenario × partner × day cube")
    ] = False,
) -> JSONResponse:
    first, last = _day(from_, "from"), _day(to, "to")
    zone = platform_of(request).settings.zone
    return JSONResponse(
        await transactions.read(
            request,
            lambda conn: service.government(conn, zone, first, last, region, rows=rows),
            may_lag=True,
        )
    )


@router.get(
    "/api/v1/dashboard",
    tags=["public"],
    summary="The city's figures for the public dashboard (no personal data)",
)
async def dashboard(request: Request) -> JSONResponse:
    zone = platform_of(request).settings.zone
    today = service.today_in(zone, clock.now())
    return JSONResponse(
        await transactions.read(
            request, lambda conn: service.dashboard(conn, zone, today), may_lag=True
        )
    )
