"""What every page of the citizen app (市民端) shares: running a service in a read or write
transaction off the event loop, showing a page with the app's navigation and the city's time
zone, saying a domain error in the page's language, and the short notices a page shows after a
redirect. Pages with forms use `citizen_page.Page` on top of these.

    session = await page_session(request, "citizen")
    ledger = await reading(request, lambda conn, platform: personal(conn, session.subject, 50))
    return show(request, "citizen/ledger.html", session, "ledger", ledger=ledger)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.engine import Connection

from carbonledger import transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.accounts.sessions import Session
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform
from carbonledger.web import i18n
from carbonledger.web.rendering import language_of, render

T = TypeVar("T")
Work = Callable[[Connection, Platform], T]

NOTICES = (
    "logged_out",
    "account_deleted",
    "unlinked",
    "redeemed",
    "cancelled",
    "donated",
    "checked_in",
    "answered",
    "signed_up",
    "withdrawn",
    "attended",
)
"""The notices a redirect may ask a page to show (`?done=<notice>`); nothing else is shown, so a
link cannot put words of its own on the page."""
_DETAILED = frozenset({"too_many_attempts"})  # the message says how long to wait


async def reading(request: Request, work: Work[T]) -> T:
    """Run `work` in a read-only transaction, off the event loop."""
    platform = platform_of(request)
    return await transactions.read(request, lambda conn: work(conn, platform))


async def writing(request: Request, work: Work[T]) -> T:
    """Run `work` in a write transaction (committed when it returns), off the event loop, again
    when the database asks for a retry (a serialization failure or deadlock)."""
    platform = platform_of(request)
    return await transactions.write(request, lambda conn: work(conn, platform))


def error_text(request: Request, error: CarbonLedgerError) -> str:
    """The error as the page says it: a translated sentence for codes the app knows, followed by
    the service's own message when it names what to fix; otherwise the service's message."""
    language = language_of(request)
    known = i18n.messages()[language].get(f"citizen.error.{error.code}")
    if known is None:
        return error.message
    detailed = error.code.startswith("invalid_") or error.code in _DETAILED
    return f"{known} ({error.message})" if detailed else known


def show(
    request: Request,
    template: str,
    session: Session | None,
    section: str,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A citizen page; `section` marks the current item of the app's navigation. Templates get
    the city's `zone` to show times in local time."""
    done = request.query_params.get("done")
    if done in NOTICES and "flash" not in context:
        context["flash"] = i18n.translate(language_of(request), f"citizen.done.{done}")
        context["flash_kind"] = "ok"
    zone = platform_of(request).settings.zone
    return render(
        request, template, session=session, status=status, section=section, zone=zone, **context
    )


def refused(
    request: Request,
    template: str,
    session: Session | None,
    section: str,
    error: CarbonLedgerError,
    **context: Any,
) -> HTMLResponse:
    """The page again with the error as a flash and the error's status (400, 403, 409...)."""
    return show(
        request,
        template,
        session,
        section,
        status=error.status,
        flash=error_text(request, error),
        flash_kind="error",
        **context,
    )


def after(path: str, notice: str, anchor: str = "") -> RedirectResponse:
    """Redirect (303, so the browser follows with GET) to `path`, showing `notice` there and
    scrolled to the element `anchor`."""
    assert notice in NOTICES
    fragment = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"{path}?done={notice}{fragment}", status_code=303)
