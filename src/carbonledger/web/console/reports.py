"""Console: reports (报表, role `reports`) — a month's figures for the city or a district, its
daily trend drawn with the platform's plotly.js, and the monthly report to download as PDF,
XLSX or CSV (the same files as `GET /api/v1/admin/reports/monthly` and `carbonledger report`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import CarbonLedgerError, NotFound
from carbonledger.ledgers.service import today_in
from carbonledger.reports import service
from carbonledger.reports.endpoints import monthly_file
from carbonledger.reports.monthly import MonthlyReport
from carbonledger.web.console.support import Operator, error_text, operator, refused, show

router = APIRouter(include_in_schema=False)
PATH = "/console/reports"


def _chosen(request: Request) -> tuple[str, str]:
    """The month (this month by default) and district asked for."""
    platform = platform_of(request)
    default = today_in(platform.settings.zone, clock.now()).strftime("%Y-%m")
    return (
        request.query_params.get("month", "") or default,
        request.query_params.get("region", "").strip(),
    )


def _page(
    request: Request, me: Operator, report: MonthlyReport | None, error: CarbonLedgerError | None
) -> Response:
    month, region = _chosen(request)
    daily = [
        # Display only, for the chart; the table beside it shows the exact figures.
        {"day": row.item, "reduction_kg": row.values["reduction_mg"] / 1_000_000}
        for row in (report.daily.rows if report else ())
    ]
    return show(
        request,
        "console/reports.html",
        me,
        "reports",
        status=error.status if error else 200,
        flash=error_text(request, error) if error else None,
        report=report,
        daily=daily,
        month=month,
        region=region,
        formats=tuple(service.FORMATS),
    )


@router.get(PATH)
async def reports(request: Request) -> Response:
    me = await operator(request)
    if not me.can("reports"):
        return refused(request, me, "reports")
    platform = platform_of(request)
    month, region = _chosen(request)

    def read(conn: Connection) -> MonthlyReport:
        return service.monthly(conn, platform, month, region or None, clock.now())

    try:
        return _page(request, me, await transactions.read(request, read), None)
    except CarbonLedgerError as error:
        return _page(request, me, None, error)


@router.get(PATH + "/monthly.{file_format}")
async def download(request: Request, file_format: str) -> Response:
    me = await operator(request)
    if not me.can("reports"):
        return refused(request, me, "reports")
    month, region = _chosen(request)
    try:
        if file_format not in service.FORMATS:
            raise NotFound(f"reports come as {', '.join(service.FORMATS)}", code="invalid_format")
        return await monthly_file(request, month, file_format, region or None)
    except CarbonLedgerError as error:
        return _page(request, me, None, error)
