"""Console: the review queue (复核队列, role `reviewer`) — credits the pipeline flagged (the daily
cap reached, a behaviour near a plausibility bound) and those operators flagged by hand; the
reviewer reverses a credit with a reason (a reversal leaf, its points clawed back) or keeps it;
and the citizens' appeals (申诉) against records not credited or reversed, each answered."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from carbonledger import bounds, clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.appeals import service as appeals
from carbonledger.review import service
from carbonledger.web.console.support import Area, Operator, show

router = APIRouter(include_in_schema=False)
PATH = "/console/review"
STATUSES = ("open", "reversed", "kept")


def _query(request: Request) -> tuple[str, int]:
    status = request.query_params.get("status", "open")
    page_number = request.query_params.get("page", "1")
    return (
        status if status in STATUSES else "open",
        max(bounds.whole_number(page_number) or 1, 1),
    )


async def page(
    request: Request,
    me: Operator,
    *,
    flash: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    shown, number = _query(request)

    def read(conn: Connection) -> tuple[dict[str, Any], tuple[list[Any], int]]:
        offset = (number - 1) * service.QUEUE_PAGE
        return service.queue(conn, shown, service.QUEUE_PAGE + 1, offset), appeals.waiting(conn)

    queue, (open_appeals, appeal_count) = await transactions.read(request, read)
    more = len(queue["flags"]) > service.QUEUE_PAGE
    return show(
        request,
        "console/review.html",
        me,
        "review",
        status=status,
        flash=flash,
        queue={**queue, "flags": queue["flags"][: service.QUEUE_PAGE]},
        shown=shown,
        statuses=STATUSES,
        page_number=number,
        more=more,
        form=form or {},
        appeals=open_appeals,
        appeal_count=appeal_count,
    )


AREA = Area(PATH, "reviewer", page)


@router.get(PATH)
async def queue(request: Request) -> Response:
    return await AREA.show(request)


@router.post(PATH + "/flag")
async def flag(request: Request) -> Response:
    record_id = str((await request.form()).get("record", "")).strip()
    return await AREA.change(
        request,
        "flagged",
        record_id,
        lambda conn, me, form: service.flag_record(
            conn, record_id, form.get("note", ""), me.id, clock.now()
        ),
    )


@router.post(PATH + "/appeals/{appeal_id}")
async def answer_appeal(request: Request, appeal_id: str) -> Response:
    return await AREA.change(
        request,
        "appeal_answered",
        "",
        lambda conn, me, form: appeals.answer(
            conn, appeal_id, form.get("decision", ""), form.get("answer", ""), me.id, clock.now()
        ),
    )


@router.post(PATH + "/{record_id}/reverse")
async def reverse(request: Request, record_id: str) -> Response:
    return await AREA.change(
        request,
        "reversed",
        record_id,
        lambda conn, me, form: service.reverse(
            conn, platform_of(request), record_id, form.get("reason", ""), me.id, clock.now()
        ),
    )


@router.post(PATH + "/{record_id}/keep")
async def keep(request: Request, record_id: str) -> Response:
    return await AREA.change(
        request,
        "kept",
        record_id,
        lambda conn, me, form: service.keep(
            conn, record_id, form.get("note", ""), me.id, clock.now()
        ),
    )
