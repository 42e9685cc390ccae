"""Sessions on pages: a page that needs a login redirects to the area's login form (instead of
the API's 401), and every form post must carry the session's CSRF token in `csrf_token`.

    session = await page_session(request, "citizen")   # or raise LoginRequired → 303
    form = await checked_form(request, session)        # or raise Forbidden csrf_failed
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse

from carbonledger.accounts import sessions
from carbonledger.accounts.dependencies import current_session, refuse_other_sites
from carbonledger.accounts.sessions import Session
from carbonledger.errors import Forbidden

LOGIN_PAGES = {"citizen": "/app/login", "partner": "/portal/login", "operator": "/console/login"}


class LoginRequired(Exception):
    """The page needs a session of `kind`; answered by a redirect to its login form."""

    def __init__(self, kind: str, next_path: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.next_path = next_path

    def redirect(self) -> RedirectResponse:
        target = f"{LOGIN_PAGES[self.kind]}?next={quote(self.next_path, safe='/')}"
        return RedirectResponse(target, status_code=303)


async def page_session(request: Request, kind: str) -> Session:
    found = await current_session(request)
    if found is None or found.kind != kind:
        raise LoginRequired(kind, request.url.path)
    return found


async def checked_form(request: Request, session: Session) -> dict[str, str]:
    """The posted form's text fields, after checking its CSRF token against the session."""
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    if not sessions.csrf_matches(session, fields.get(sessions.CSRF_FIELD)):
        raise Forbidden("the form has expired; reload the page and try again", code="csrf_failed")
    return fields


async def same_site_form(request: Request) -> dict[str, str]:
    """A form posted before any session exists (logging in, registering), so without a CSRF
    token to check. A page of another site could still post it, logging the visitor in to an
    account of its choosing, so the browser's own word on where the form came from must be
    this site."""
    refuse_other_sites(request)
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def safe_next(value: str | None, default: str) -> str:
    """A redirect target after login: only a path on this site, never another host."""
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return default


async def login_required_handler(_request: Request, error: Exception) -> RedirectResponse:
    assert isinstance(error, LoginRequired)
    return error.redirect()
