"""One pure ASGI middleware for every HTTP request: it gives the request an id (returned in
`X-Request-ID`), times it, counts it by route template and status, and writes its log line. The
route is the template (`/api/v1/records/{external_id}`), never the path, so no label or line
carries what a path parameter holds."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carbonledger.clock import now
from carbonledger.ids import ulid
from carbonledger.observability import metrics
from carbonledger.observability.logs import requests_log

HEADER = b"x-request-id"
PARTNER = "partner_id"
"""Key of `request.state` where a signed route records the calling partner for the log line."""


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope.get("path", "").startswith("/static/"):
        return "/static"
    return "unmatched"


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ulid(now())
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_of(scope)
            metrics.request_answered(scope["method"], route, status, seconds)
            state: dict[str, Any] = scope.get("state") or {}
            requests_log.log(
                logging.WARNING if status >= 500 else logging.INFO,
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "partner": state.get(PARTNER),
                },
            )
