"""Partner API routes (PARTNER_API.md §2, §3) and the public scenario catalogue."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from carbonledger import clock, transactions
from carbonledger.accounts import service as accounts
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import InvalidInput, NotFound, TooLarge
from carbonledger.ingest import pending, pipeline, records
from carbonledger.ingest import repository as repo
from carbonledger.ingest.auth import Caller, authenticate
from carbonledger.ingest.results import summary
from carbonledger.ingest.schemas import (
    SIGNED_ERRORS,
    BatchIn,
    BatchResults,
    ErrorOut,
    LinkIn,
    LinkOut,
    RecordResult,
)
from carbonledger.observability import metrics
from carbonledger.observability.requests import PARTNER

router = APIRouter()
# Request bodies are read raw (the signature covers the exact bytes); these models describe them.
BODY_MODELS = (BatchIn, LinkIn)


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the body is over the limit of {limit} bytes; send smaller batches")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the body is over the limit of {limit} bytes; send smaller batches")
        chunks.append(chunk)
    return b"".join(chunks)


async def signed_call(request: Request) -> tuple[Caller, bytes, datetime]:
    """Authenticate a partner request; return the caller, the raw body and the request time."""
    platform = platform_of(request)
    body = await _read_body(request, platform.settings.max_body_bytes)
    path = request.scope["raw_path"].decode("latin-1")
    if request.scope.get("query_string"):
        path += "?" + request.scope["query_string"].decode("latin-1")
    now = clock.now()
    caller = await run_in_threadpool(
        authenticate,
        platform.engine,
        platform.settings,
        request.app.state.limiter,
        dict(request.headers),
        request.method,
        path,
        body,
        now,
    )
    setattr(request.state, PARTNER, caller.partner_id)
    return caller, body, now


def _json_body(body: bytes, *, records_checked_each: bool = False) -> Any:
    """The parsed body; refused when it is not JSON or, unless its records are checked one by
    one (a batch refuses only the record that holds one), holds a lone surrogate."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput("the body is not valid UTF-8 JSON", code="invalid_batch") from None
    outside = data
    if records_checked_each and isinstance(data, dict):
        outside = {key: value for key, value in data.items() if key != "records"}
    if (place := records.unicode_problem(outside)) is not None:
        raise InvalidInput(
            f"{records.printable(place)}: must be valid Unicode text; a lone surrogate such as "
            "\\ud800 is not",
            code="invalid_batch",
        )
    return data


def _batch_records(body: bytes, limit: int) -> list[Any]:
    data = _json_body(body, records_checked_each=True)
    if not isinstance(data, dict) or set(data) != {"records"}:
        raise InvalidInput('the body must be {"records": [record, ...]}', code="invalid_batch")
    items = data["records"]
    if not isinstance(items, list) or not items:
        raise InvalidInput("records must be a list of 1 or more records", code="invalid_batch")
    if len(items) > limit:
        raise TooLarge(f"a batch carries at most {limit} records; this one has {len(items)}")
    return items


@router.post(
    "/api/v1/records",
    response_model=BatchResults,
    responses={**SIGNED_ERRORS, 400: {"model": ErrorOut}, 413: {"model": ErrorOut}},
    openapi_extra=request_body(BatchIn),
    summary="Submit a signed batch of records",
)
async def post_records(request: Request) -> JSONResponse:
    caller, body, now = await signed_call(request)
    platform = platform_of(request)
    caller.require_data_partner()
    items = _batch_records(body, platform.settings.max_batch_records)
    started = time.perf_counter()
    batch = pipeline.SignedBatch(
        caller.partner_id,
        caller.request.timestamp,
        caller.request.nonce,
        caller.request.signature,
        body,
    )
    # Validation, plausibility and link look-ups before the write transaction; then the batch.
    prepared = await transactions.read(
        request, lambda conn: pipeline.prepare(platform, caller.partner_id, items, now, conn)
    )
    results = await transactions.write(
        request, lambda conn: pipeline.submit(conn, platform, batch, prepared, now)
    )
    metrics.batch_decided(caller.partner_id, results, time.perf_counter() - started)
    return JSONResponse({"results": [r.to_wire() for r in results], "summary": summary(results)})


@router.get(
    "/api/v1/records/{external_id}",
    response_model=RecordResult,
    responses={**SIGNED_ERRORS, 404: {"model": ErrorOut}},
    summary="The current result of one of this partner's records",
)
async def get_record(request: Request, external_id: str) -> JSONResponse:
    caller, _, _ = await signed_call(request)
    result = await transactions.read(
        request, lambda conn: repo.result_of(conn, caller.partner_id, external_id)
    )
    if result is None:
        raise NotFound(
            f"this partner sent no record with external_id {external_id!r}", code="unknown_record"
        )
    return JSONResponse(result.to_wire())


@router.post(
    "/api/v1/links",
    status_code=201,
    response_model=LinkOut,
    responses={
        **SIGNED_ERRORS,
        404: {"model": ErrorOut},
        409: {"model": ErrorOut},
        410: {"model": ErrorOut},
    },
    openapi_extra=request_body(LinkIn),
    summary="Link a partner user to a citizen with the citizen's one-time code",
)
async def post_link(request: Request) -> JSONResponse:
    caller, body, now = await signed_call(request)
    platform = platform_of(request)
    caller.require_data_partner()
    data = _json_body(body)
    if not isinstance(data, dict) or set(data) != {"user", "code"}:
        raise InvalidInput('the body must be {"user": "...", "code": "..."}', code="invalid_link")
    user, code = data["user"], data["code"]
    if not isinstance(user, str) or not 1 <= len(user) <= 128:
        raise InvalidInput("user must be a string of 1 to 128 characters", code="invalid_link")
    if not isinstance(code, str) or len(code) != 8:
        raise InvalidInput("code must be the citizen's 8-character link code", code="invalid_link")

    def work(conn: Any) -> int:
        return pending.link(conn, platform, caller.partner_id, user, code, now)

    credited = await transactions.write(request, work)
    return JSONResponse(
        {"user": user, "linked_at": now.isoformat(), "pending_credited": credited},
        status_code=201,
    )


@router.delete(
    "/api/v1/links/{user}",
    status_code=204,
    responses={**SIGNED_ERRORS, 404: {"model": ErrorOut}},
    summary="Unlink a partner user; later records for it are pending again",
)
async def delete_link(request: Request, user: str) -> Response:
    caller, _, _ = await signed_call(request)
    await transactions.write(request, lambda conn: accounts.unlink(conn, caller.partner_id, user))
    return Response(status_code=204)


@router.get("/api/v1/scenarios", summary="The methodology catalogue (public)")
async def get_scenarios(request: Request) -> JSONResponse:
    platform = platform_of(request)
    catalogue = await transactions.read(request, platform.refresh_catalogue)
    return JSONResponse({"scenarios": catalogue.to_public()})
