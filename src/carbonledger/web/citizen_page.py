"""One citizen page with forms: what it shows (read in one transaction), and running one of its
forms — the login and CSRF checks, the service in a write transaction, and on a domain error the
same page again with the error as a flash and the error's status.

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

from carbonledger.accounts.sessions import Session
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform
from carbonledger.web.citizen_support import error_text, reading, show, writing
from carbonledger.web.guard import checked_form, page_session
from carbonledger.web.rendering import language_of

T = TypeVar("T")
Context = Callable[[Connection, Platform, str, str], dict[str, Any]]
"""(conn, platform, citizen id, language) → what the page's template shows."""
Action = Callable[[Connection, Platform, str, dict[str, str]], T]
"""(conn, platform, citizen id, the posted form) → the service's result."""


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
        context = await reading(
            request,
            lambda conn, platform: self.context(conn, platform, session.subject, language),
        )
        return show(
            request, self.template, session, self.section, status=status, **context, **extra
        )

    async def refused(
        self, request: Request, session: Session, error: CarbonLedgerError
    ) -> HTMLResponse:
        """The page again, with the error as a flash and the error's status (400, 403, 409...)."""
        flash = error_text(request, error)
        return await self.show(
            request, session, status=error.status, flash=flash, flash_kind="error"
        )

    async def act(self, request: Request, action: Action[T]) -> tuple[Session, T] | HTMLResponse:
        """Run one of the page's forms: (the session, the result), or the page refusing it."""
        session = await page_session(request, "citizen")
        try:
            form = await checked_form(request, session)
            result = await writing(
                request, lambda conn, platform: action(conn, platform, session.subject, form)
            )
        except CarbonLedgerError as error:
            return await self.refused(request, session, error)
        return session, result
