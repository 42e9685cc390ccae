"""Receipts over HTTP: a partner fetches the receipt of one of its own credited records
(`GET /api/v1/records/{external_id}/receipt`, signed like every partner route), as `text/plain`
in the C2SP tlog-proof form (translog/receipts.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy.engine import Connection

from carbonledger import transactions
from carbonledger.errors import Conflict, NotFound
from carbonledger.ingest import repository as ingest_repo
from carbonledger.ingest.endpoints import signed_call
from carbonledger.ingest.schemas import SIGNED_ERRORS, ErrorOut
from carbonledger.translog import proofs
from carbonledger.translog.receipts import FILE_SUFFIX, MEDIA_TYPE

router = APIRouter()


def receipt_of_leaf(conn: Connection, index: int | None, what: str) -> str:
    """The receipt text of a record's credit leaf, or the error that says why there is none."""
    if index is None:
        raise NotFound(f"{what} has no credit in the log, so no receipt", code="no_receipt")
    receipt = proofs.receipt(conn, index)
    if receipt is None:
        raise Conflict(
            f"{what}'s leaf {index} is not under a signed checkpoint yet; ask again in a second",
            code="not_yet_checkpointed",
        )
    return receipt.encode()


def receipt_response(text: str, name: str) -> Response:
    return PlainTextResponse(
        text,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}{FILE_SUFFIX}"'},
    )


@router.get(
    "/api/v1/records/{external_id}/receipt",
    response_class=PlainTextResponse,
    responses={**SIGNED_ERRORS, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    summary="The receipt of one of this partner's credited records (C2SP tlog-proof)",
)
async def get_receipt(request: Request, external_id: str) -> Response:
    caller, _, _ = await signed_call(request)

    def read(conn: Connection) -> tuple[str, str]:
        result = ingest_repo.result_of(conn, caller.partner_id, external_id)
        if result is None:
            raise NotFound(
                f"this partner sent no record with external_id {external_id!r}",
                code="unknown_record",
            )
        what = f"record {external_id!r}"
        return receipt_of_leaf(conn, result.leaf_index, what), str(result.record)

    text, record = await transactions.read(request, read)
    return receipt_response(text, record)
