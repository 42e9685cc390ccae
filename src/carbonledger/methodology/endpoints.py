"""Operators' methodology routes (role `methodology`): the published versions, and publishing a
new one. The public catalogue, with every version, is `GET /api/v1/scenarios`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import OPERATOR_ERRORS, operator_with, platform_of
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.methodology import service
from carbonledger.methodology.publishing import Draft
from carbonledger.methodology.schemas import PublishedVersionOut, VersionIn

router = APIRouter(tags=["operator"])
MethodologyRole = Annotated[str, Depends(operator_with("methodology"))]


@router.get(
    "/api/v1/admin/methodology/versions",
    response_model=list[PublishedVersionOut],
    responses=OPERATOR_ERRORS,
    summary="The methodology versions operators have published, newest first",
)
async def list_versions(_operator: MethodologyRole, request: Request) -> list[PublishedVersionOut]:
    rows = await transactions.read(request, service.published)
    return [PublishedVersionOut(**row) for row in rows]


@router.post(
    "/api/v1/admin/methodology/versions",
    status_code=201,
    response_model=PublishedVersionOut,
    responses={
        **OPERATOR_ERRORS,
        400: {"model": ErrorOut, "description": "invalid_version (every problem listed)"},
        409: {
            "model": ErrorOut,
            "description": "version_exists or credits_after_effective_date",
        },
    },
    summary="Publish a new factor for a scenario from an effective date after today",
)
async def publish(
    body: VersionIn, operator: MethodologyRole, request: Request
) -> PublishedVersionOut:
    platform = platform_of(request)
    draft = Draft(**body.model_dump())

    def work(conn: Connection) -> dict[str, Any]:
        return service.publish(conn, platform, draft, operator, clock.now())

    return PublishedVersionOut(**await transactions.write(request, work))
