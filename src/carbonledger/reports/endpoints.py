"""The monthly report route (role `reports`): the government's report for a month as a file."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import OPERATOR_ERRORS, operator_with, platform_of
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.reports import service

router = APIRouter(tags=["operator"])
ReportsRole = Annotated[str, Depends(operator_with("reports"))]


async def monthly_file(
    request: Request, month: str, file_format: str, region: str | None
) -> Response:
    """The report as a download; the console's page answers with the same."""
    platform = platform_of(request)
    made = await transactions.read(
        request,
        lambda conn: service.monthly(conn, platform, month, region, clock.now()),
        may_lag=True,
    )
    # Drawing a PDF takes a while: off the event loop too.
    content = await run_in_threadpool(service.render, made, platform, file_format)
    return Response(
        content,
        media_type=service.media_type(file_format),
        headers={
            "Content-Disposition": f'attachment; filename="{service.filename(made, file_format)}"'
        },
    )


@router.get(
    "/api/v1/admin/reports/monthly",
    response_class=Response,
    responses={
        **OPERATOR_ERRORS,
        200: {
            "description": "the report file",
            "content": {media: {} for media, _ in service.FORMATS.values()},
        },
        400: {"model": ErrorOut, "description": "invalid_month or invalid_region"},
    },
    summary="The government's monthly report as PDF (with charts), XLSX or CSV",
)
async def monthly_report(
    _operator: ReportsRole,
    request: Request,
    month: Annotated[str, Query(description="YYYY-MM")],
    file_format: Annotated[Literal["pdf", "xlsx", "csv"], Query(alias="format")] = "pdf",
    region: Annotated[str | None, Query(description="2-6 digit district code prefix")] = None,
) -> Response:
    return await monthly_file(request, month, file_format, region)
