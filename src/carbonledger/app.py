"""The web application: one FastAPI app serving the partner API, the public log and (later) the
pages, with one handler that renders every domain error as `{"error": {code, message}}`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from carbonledger import __version__, db
from carbonledger.accounts import endpoints as account_endpoints
from carbonledger.accounts import me_endpoints, my_data_endpoints, partner_endpoints
from carbonledger.bodies import BodyLimits
from carbonledger.donations import endpoints as donation_endpoints
from carbonledger.engagement import admin_endpoints as engagement_admin_endpoints
from carbonledger.engagement import endpoints as engagement_endpoints
from carbonledger.errors import CarbonLedgerError, DatabaseUnavailable, RateLimited
from carbonledger.ingest import endpoints as ingest_endpoints
from carbonledger.ingest.ratelimit import RateLimiter
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.ledgers import endpoints as ledger_endpoints
from carbonledger.lotteries import endpoints as lottery_endpoints
from carbonledger.market import endpoints as market_endpoints
from carbonledger.market import pages as market_pages
from carbonledger.methodology import endpoints as methodology_endpoints
from carbonledger.observability import endpoints as observability_endpoints
from carbonledger.observability.requests import RequestObserver
from carbonledger.platform import Platform
from carbonledger.points import endpoints as points_endpoints
from carbonledger.reports import endpoints as report_endpoints
from carbonledger.review import endpoints as review_endpoints
from carbonledger.rewards import endpoints as reward_endpoints
from carbonledger.ticker import run_ticker
from carbonledger.translog import endpoints as log_endpoints
from carbonledger.translog import receipt_endpoints
from carbonledger.web import citizen as citizen_pages
from carbonledger.web import console as console_pages
from carbonledger.web import portal as portal_pages
from carbonledger.web import public as public_pages
from carbonledger.web.base.guard import LoginRequired, login_required_handler
from carbonledger.web.public.dashboard_feed import DashboardFeed, serving

log = logging.getLogger(__name__)


def _render(error: CarbonLedgerError, headers: Mapping[str, str] | None = None) -> JSONResponse:
    extra = dict(headers or {})
    if isinstance(error, RateLimited | DatabaseUnavailable):
        extra["Retry-After"] = str(error.retry_after)
    return JSONResponse(error.body(), status_code=error.status, headers=extra or None)


async def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, CarbonLedgerError)
    return _render(error)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
    # Keep the protocol's own headers, such as Allow on a 405.
    return _render(
        CarbonLedgerError(str(error.detail), code=code, status=error.status_code), error.headers
    )


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()
    )
    return _render(
        CarbonLedgerError(problems or "the request is malformed", code="invalid_request")
    )


async def _not_unicode(_request: Request, error: Exception) -> JSONResponse:
    # JSON may carry a lone surrogate (the escape \\ud800) that no UTF-8 text can hold; it fails
    # the moment it is encoded to be stored or shown, and the transaction it was in rolls back.
    return _render(
        CarbonLedgerError(
            "the request holds text that is not valid Unicode (a lone surrogate such as "
            "\\ud800); send UTF-8 text",
            code="invalid_request",
        )
    )


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DBAPIError)
    if db.is_unavailable(error):
        log.warning("database unavailable: %s", type(error.orig).__name__)
        return _render(DatabaseUnavailable())
    return await _internal_error(request, error)


async def _internal_error(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    return _render(
        CarbonLedgerError(
            "the platform failed to answer; nothing was changed — retry later",
            code="internal_error",
            status=500,
        )
    )


# plotly.js adds two <style> elements of its own (one empty, one with its chart rules): their
# hashes, so that no other inline style is allowed.
_PLOTLY_STYLES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' "
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='"
)
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {_PLOTLY_STYLES}; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Every page: scripts, styles and everything else from the platform itself, no inline script,
no framing by another site."""
# FastAPI's interactive API pages load Swagger UI and ReDoc from their CDN with an inline
# script; only they get a policy that allows it (they hold no personal data).
_API_PAGES_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; worker-src blob:; frame-ancestors 'none'"
)
_API_PAGES = ("/docs", "/redoc")


class SecurityHeaders:
    """Adds the Content-Security-Policy and the other protective headers to every response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = CONTENT_SECURITY_POLICY
        if scope.get("path", "").startswith(_API_PAGES):
            policy = _API_PAGES_POLICY

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", policy.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document plus the schemas of the raw-read request bodies."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        # Malformed parameters are answered 400 in the error format, never FastAPI's 422.
        bad_request = {
            "description": "the request is malformed",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
        # Every refusal is JSON in the error format, whatever the route's own content type.
        error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", bad_request)
                for status, response in responses.items():
                    if status.isdigit() and int(status) >= 400:
                        response["content"] = error_content
        schemas.setdefault(
            "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        for model in ingest_endpoints.BODY_MODELS:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        app.openapi_schema = document
    return app.openapi_schema


def create_app(platform: Platform, *, background: bool = True) -> FastAPI:
    """The app for `platform`; `background` runs the checkpoint and housekeeping ticker."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with run_ticker(platform, enabled=background), serving(app.state.dashboard_feed):
            yield

    app = FastAPI(
        title="Carbon Ledger",
        version=__version__,
        description="A city's carbon-inclusion platform: partner API and public log.",
        lifespan=lifespan,
        docs_url=None,  # served by web.public.docs with scripts from installed packages
        redoc_url=None,
    )
    app.state.platform = platform
    app.state.limiter = RateLimiter()
    app.state.code_tries = RateLimiter()  # guessable codes, per citizen
    app.state.public_forms = RateLimiter()  # forms anyone may post, per client address
    # One feed per process: every open dashboard stream shares its figures (a test may swap it).
    app.state.dashboard_feed = DashboardFeed(platform)
    app.add_exception_handler(CarbonLedgerError, _domain_error)
    app.add_exception_handler(LoginRequired, login_required_handler)
    app.add_exception_handler(portal_pages.PortalRefused, portal_pages.portal_refused_handler)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(UnicodeError, _not_unicode)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _internal_error)
    app.include_router(ingest_endpoints.router)
    app.include_router(log_endpoints.router)
    app.include_router(receipt_endpoints.router)
    app.include_router(account_endpoints.router)
    app.include_router(me_endpoints.router)
    app.include_router(my_data_endpoints.router)
    app.include_router(ledger_endpoints.router)
    app.include_router(points_endpoints.router)
    app.include_router(lottery_endpoints.router)
    app.include_router(partner_endpoints.router)
    app.include_router(methodology_endpoints.router)
    app.include_router(review_endpoints.router)
    app.include_router(report_endpoints.router)
    app.include_router(reward_endpoints.router)
    app.include_router(public_pages.router)
    app.include_router(console_pages.router)
    app.include_router(portal_pages.router)
    app.include_router(engagement_endpoints.router)
    app.include_router(engagement_admin_endpoints.router)
    app.include_router(donation_endpoints.router)
    app.include_router(citizen_pages.router)
    app.include_router(market_endpoints.router)
    app.include_router(market_pages.router)
    app.include_router(observability_endpoints.router)
    app.add_middleware(RequestObserver)
    app.mount("/static", StaticFiles(packages=[("carbonledger.web", "static")]), name="static")
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    settings = platform.settings
    app.add_middleware(
        BodyLimits, limit=settings.max_body_bytes, seconds=settings.body_timeout_seconds
    )
    app.add_middleware(SecurityHeaders)
    return app
