"""Rendering a page: the Jinja2 environment (autoescaped), the language, the session and its
CSRF token for forms, and the helpers templates use (t, grams, points, dates); an audience's page
with the notice a redirect asked for (`page`), the page again refusing a form (`refused`), and
the redirect after a change (`after`)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from carbonledger.accounts.dependencies import platform_of
from carbonledger.accounts.sessions import Session
from carbonledger.errors import CarbonLedgerError, RateLimited
from carbonledger.web.base import i18n
from carbonledger.web.base.errors import error_text


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


def page(
    request: Request,
    template: str,
    *,
    audience: str,
    session: Session | None = None,
    status: int = 200,
    flash: str | None = None,
    flash_kind: str = "error",
    **context: Any,
) -> HTMLResponse:
    """A page of `audience` (citizen, portal, console). After a redirect, `?done=<notice>` shows
    the audience's text `<audience>.done.<notice>` (with `?name=`); only known notices, so a link
    cannot put words of its own on the page. Templates get the city's `zone` for local times."""
    done = request.query_params.get("done", "")
    if flash is None and done:
        notice = i18n.messages()[language_of(request)].get(f"{audience}.done.{done}")
        if notice is not None:
            flash, flash_kind = notice.format(name=request.query_params.get("name", "")), "ok"
    context.setdefault("zone", platform_of(request).settings.zone)
    return render(
        request,
        template,
        session=session,
        status=status,
        flash=flash,
        flash_kind=flash_kind,
        **context,
    )


def refused(
    request: Request,
    template: str,
    error: CarbonLedgerError,
    *,
    audience: str,
    session: Session | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page again with the error in its language as a flash and the error's status."""
    response = page(
        request,
        template,
        audience=audience,
        session=session,
        status=error.status,
        flash=error_text(language_of(request), error, audience),
        flash_kind="error",
        **context,
    )
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def after(path: str, notice: str, *, name: str = "", anchor: str = "") -> RedirectResponse:
    """After a change: back to `path` with GET (a reload does not post again), showing `notice`
    (about `name`) and scrolled to the element `anchor`."""
    query = urlencode({"done": notice, **({"name": name} if name else {})})
    fragment = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"{path}?{query}{fragment}", status_code=303)
