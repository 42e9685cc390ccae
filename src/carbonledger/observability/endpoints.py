"""`/healthz`, `/readyz` and `/metrics`, for load balancers, orchestrators and Prometheus."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.concurrency import run_in_threadpool

from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import NotFound, Unauthorized
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.observability import health, metrics
from carbonledger.observability.figures import DatabaseFigures

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process answers")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get(
    "/readyz",
    summary="Ready for traffic: database writable, schema current, checkpoints fresh",
    responses={503: {"model": ErrorOut, "description": "not_ready"}},
)
async def readyz(request: Request) -> JSONResponse:
    found = await run_in_threadpool(health.readiness, platform_of(request))
    if found.ready:
        return JSONResponse({"status": "ready", "checks": found.checks})
    return JSONResponse(
        {
            "error": {"code": "not_ready", "message": "; ".join(found.problems)},
            "checks": found.checks,
        },
        status_code=503,
        headers={"Retry-After": "5"},
    )


def _render(request: Request) -> bytes:
    platform = platform_of(request)
    figures = CollectorRegistry(auto_describe=False)
    figures.register(DatabaseFigures(platform))
    return generate_latest(metrics.registry()) + generate_latest(figures)


@router.get(
    "/metrics",
    summary="Prometheus metrics (with `Authorization: Bearer <CARBONLEDGER_METRICS_TOKEN>`)",
    responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
async def prometheus_metrics(request: Request) -> Response:
    token = platform_of(request).settings.metrics_token
    if not token:
        raise NotFound("metrics are off: set CARBONLEDGER_METRICS_TOKEN to serve them")
    sent = request.headers.get("authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        raise Unauthorized("send Authorization: Bearer <CARBONLEDGER_METRICS_TOKEN>")
    body = await run_in_threadpool(_render, request)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
