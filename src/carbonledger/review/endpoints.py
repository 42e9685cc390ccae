"""Review routes (role `reviewer`): the queue of flagged credits, flagging a credit by hand, and
the decision — reverse (with a reason) or keep."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import OPERATOR_ERRORS, operator_with, platform_of
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.review import service
from carbonledger.review.schemas import FlagIn, KeepIn, QueueOut, ReversedOut, ReverseIn

router = APIRouter(tags=["operator"])
Reviewer = Annotated[str, Depends(operator_with("reviewer"))]
_RECORD_ERRORS: dict[int | str, dict[str, Any]] = {
    **OPERATOR_ERRORS,
    400: {"model": ErrorOut, "description": "note_required"},
    404: {"model": ErrorOut, "description": "unknown_record or no_open_flag"},
    409: {
        "model": ErrorOut,
        "description": "not_reviewable, already_reviewed or not_reversible",
    },
}


@router.get(
    "/api/v1/admin/review",
    response_model=QueueOut,
    responses=OPERATOR_ERRORS,
    summary="Flagged credits (open by default) with the counts by status and reason",
)
async def review_queue(
    _operator: Reviewer,
    request: Request,
    status: Literal["open", "reversed", "kept"] = "open",
    limit: Annotated[int, Query(ge=1, le=200)] = service.QUEUE_PAGE,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> QueueOut:
    queue = await transactions.read(
        request, lambda conn: service.queue(conn, status, limit, offset)
    )
    return QueueOut(**queue)


@router.post(
    "/api/v1/admin/review/flags",
    status_code=204,
    responses=_RECORD_ERRORS,
    summary="Put a standing credit in the review queue, with a note",
)
async def flag(body: FlagIn, operator: Reviewer, request: Request) -> Response:
    def work(conn: Connection) -> None:
        service.flag_record(conn, body.record, body.note, operator, clock.now())

    await transactions.write(request, work)
    return Response(status_code=204)


@router.post(
    "/api/v1/admin/review/{record_id}/reverse",
    response_model=ReversedOut,
    responses=_RECORD_ERRORS,
    summary="Reverse a credit after review: a reversal leaf, its points clawed back",
)
async def reverse(
    record_id: str, body: ReverseIn, operator: Reviewer, request: Request
) -> ReversedOut:
    def work(conn: Connection) -> int:
        return service.reverse(
            conn, platform_of(request), record_id, body.reason, operator, clock.now()
        )

    leaf_index = await transactions.write(request, work)
    return ReversedOut(record=record_id, leaf_index=leaf_index)


@router.post(
    "/api/v1/admin/review/{record_id}/keep",
    status_code=204,
    responses=_RECORD_ERRORS,
    summary="Close a flag: the credit stands",
)
async def keep(record_id: str, body: KeepIn, operator: Reviewer, request: Request) -> Response:
    def work(conn: Connection) -> None:
        service.keep(conn, record_id, body.note, operator, clock.now())

    await transactions.write(request, work)
    return Response(status_code=204)
