"""The public dashboard (数字大屏): the city's participants, credited behaviours and reductions, by
scenario, district and platform, the daily trend and the points flow, for a wall screen; and the
event stream that keeps it live without reloading. No personal data: everything shown comes from
the rollups (ledgers.service.dashboard), which hold counts, never people."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts import service as accounts
from carbonledger.accounts.dependencies import platform_of
from carbonledger.ledgers import service
from carbonledger.web.base import i18n, names
from carbonledger.web.base.rendering import language_of, render
from carbonledger.web.public.dashboard_feed import DashboardFeed

router = APIRouter()
_JS_TEXTS = (
    "live",
    "connecting",
    "reconnecting",
    "static",
    "kg",
    "records",
    "points",
    "reduction",
    "credited",
    "unknown",
)


# One server-sent event, as OpenAPI 3.2 describes a text/event-stream item.
_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "event": {"type": "string"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": "the JSON of GET /api/v1/dashboard",
        },
        "retry": {"type": "integer"},
    },
}


def feed_of(request: Request) -> DashboardFeed:
    feed: DashboardFeed = request.app.state.dashboard_feed
    return feed


def _labels(request: Request, partners: dict[str, str]) -> dict[str, Any]:
    """Names the page's script shows for codes: scenarios, districts, platforms, flows."""
    language = language_of(request)
    texts = i18n.messages()[language]
    return {
        "lang": language,
        "scenarios": names.scenario_names(platform_of(request).catalogue, language),
        "regions": names.region_names(language),
        "partners": partners,
        "flows": {
            key.removeprefix("dashboard.flow."): text
            for key, text in texts.items()
            if key.startswith("dashboard.flow.")
        },
        "texts": {name: i18n.translate(language, f"dashboard.js.{name}") for name in _JS_TEXTS},
    }


@router.get("/dashboard", include_in_schema=False)
async def dashboard_page(request: Request) -> HTMLResponse:
    zone = platform_of(request).settings.zone

    def read(conn: Connection) -> tuple[dict[str, Any], dict[str, str]]:
        figures = service.dashboard(conn, zone, service.today_in(zone, clock.now()))
        return figures, accounts.partner_names(conn)

    figures, partners = await transactions.read(request, read, may_lag=True)
    labels = _labels(request, partners)
    return render(request, "dashboard.html", figures=figures, labels=labels)


@router.get(
    "/api/v1/dashboard/stream",
    tags=["public"],
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": _EVENT}},
            "description": "Server-sent events: each `data:` line is the JSON of "
            "`GET /api/v1/dashboard`, sent at once and again whenever the figures change; "
            "a comment line every 15 s keeps the connection open.",
        }
    },
    summary="The public dashboard's figures, live (server-sent events)",
)
async def dashboard_stream(request: Request) -> StreamingResponse:
    return StreamingResponse(
        feed_of(request).events(),
        media_type="text/event-stream",
        # Proxies must pass each event on at once rather than buffer the stream.
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
