"""A citizen page (市民端) on the shared base: `show` renders it with the app's navigation
(`section` marks the current item), `refused` shows it again with an error, and `Page` is a page
with forms: what it shows (read in one transaction) and running one of its forms — the login
and CSRF checks, the service in a write transaction, and on a domain error the same page again
with the error in the page's language and the error's status.

    LINKS = Page("citizen/links.html", "links", lambda conn, platform, citizen, language: {...})

    @router.post("/app/links/unlink")
    async def unlink(request: Request) -> Response:
        done = await LINKS.act(request, lambda conn, platform, citizen, form: ...)
        return done if isinstance(done, HTMLResponse) else after("/app/links", "unlinked")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from carbonledger import transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.accounts.sessions import Session
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform
from carbonledger.web.base import errors, rendering
from carbonledger.web.base.forms import submit
from carbonledger.web.base.guard import page_session
from carbonledger.web.base.rendering import after, language_of

__all__ = ["Action", "Page", "after", "refused", "show"]
T = TypeVar("T")
Context = Callable[[Connection, Platform, str, str], dict[str, Any]]
"""(conn, platform, citizen id, language) → what the page's template shows."""
Action = Callable[[Connection, Platform, str, dict[str, str]], T]
"""(conn, platform, citizen id, the posted form) → the service's result."""
AUDIENCE = "citizen"


def show(
    request: Request,
    template: str,
    session: Session | None,
    section: str,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A citizen page; `section` marks the current item of the app's navigation."""
    return rendering.page(
        request,
        template,
        audience=AUDIENCE,
        session=session,
        status=status,
        section=section,
        **context,
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
    return rendering.refused(
        request, template, error, audience=AUDIENCE, session=session, section=section, **context
    )


@dataclass(frozen=True, slots=True)
class Page:
    """A citizen page: its template, its item in the app's navigation, and its context."""

    template: str
    section: str
    context: Context

    async def show(
        self, request: Request, session: Session, *, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        language = language_of(request)
        platform = platform_of(request)
        context = await transactions.read(
            request, lambda conn: self.context(conn, platform, session.subject, language)
        )
        return show(
            request, self.template, session, self.section, status=status, **context, **extra
        )

    async def refused(
        self, request: Request, session: Session, error: CarbonLedgerError
    ) -> HTMLResponse:
        """The page again, with the error as a flash and the error's status (400, 403, 409...)."""
        flash = errors.error_text(language_of(request), error, AUDIENCE)
        return await self.show(
            request, session, status=error.status, flash=flash, flash_kind="error"
        )

    async def act(self, request: Request, action: Action[T]) -> tuple[Session, T] | HTMLResponse:
        """Run one of the page's forms: (the session, the result), or the page refusing it."""
        session = await page_session(request, "citizen")
        platform = platform_of(request)
        try:
            result = await submit(
                request, session, lambda conn, form: action(conn, platform, session.subject, form)
            )
        except CarbonLedgerError as error:
            return await self.refused(request, session, error)
        return session, result
