"""Rendering a page: the Jinja2 environment (autoescaped), the language, the session and its
CSRF token for forms, and the helpers templates use (t, grams, points, dates)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from carbonledger.accounts.sessions import Session
from carbonledger.web import i18n


def grams(reduction_mg: int) -> str:
    """Milligrams CO2e as the page shows them: g below a kilogram, kg below a tonne, else t."""
    value = reduction_mg / 1000
    if abs(value) < 1000:
        return f"{value:,.1f} g"
    if abs(value) < 1_000_000:
        return f"{value / 1000:,.2f} kg"
    return f"{value / 1_000_000:,.3f} t"


def when(value: datetime | date | str | None, zone: tzinfo | None = None) -> str:
    """A date or instant as pages show it, an instant in `zone` when given. Never fails on what
    is stored: an instant that has no local time (the far edge of the calendar) shows in UTC."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if zone is not None:
            try:
                value = value.astimezone(zone)
            except (OverflowError, ValueError):
                return value.strftime("%Y-%m-%d %H:%M UTC")
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("carbonledger.web", "templates"),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["grams"] = grams
    env.filters["when"] = when
    env.filters["points"] = lambda value: f"{int(value):,}"
    return env


def language_of(request: Request) -> str:
    return i18n.choose(request.query_params.get("lang"), request.cookies.get(i18n.COOKIE))


def render(
    request: Request,
    template: str,
    *,
    session: Session | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page `template` in the request's language; `session` gives forms their CSRF token."""
    language = language_of(request)

    def t(key: str, **values: object) -> str:
        return i18n.translate(language, key, **values)

    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            lang=language,
            other_lang="en" if language == "zh" else "zh",
            t=t,
            session=session,
            csrf=session.csrf if session else "",
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response
