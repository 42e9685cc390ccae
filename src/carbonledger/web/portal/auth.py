"""The partner portal's login (企业门户登录): the partner id and the staff access key the operator
issued (accounts.portal), a session of kind `partner` in the same cookie as every other login;
and what every portal page shares: the logged-in partner, and rendering a refusal as a page.

A suspended partner's staff are refused like its API requests (403 partner_suspended).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carbonledger import transactions
from carbonledger.accounts import auth, portal, sessions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.accounts.endpoints import logged_in, set_session_cookie
from carbonledger.accounts.sessions import Session
from carbonledger.errors import CarbonLedgerError, Forbidden, Unauthorized
from carbonledger.web.base import i18n, rendering
from carbonledger.web.base.guard import checked_form, page_session, safe_next, same_site_form
from carbonledger.web.base.rendering import language_of

router = APIRouter(include_in_schema=False)
HOME = "/portal"
AUDIENCE = "portal"


class PortalRefused(Exception):
    """A portal page this partner may not see; answered by a page that says why."""

    def __init__(self, error: CarbonLedgerError, session: Session, partner: dict[str, Any]) -> None:
        super().__init__(error.message)
        self.error = error
        self.session = session
        self.partner = partner


async def portal_refused_handler(request: Request, refused: Exception) -> HTMLResponse:
    assert isinstance(refused, PortalRefused)
    return refusal(
        request,
        refused.error,
        "portal/refused.html",
        session=refused.session,
        partner=refused.partner,
    )


async def portal_partner(
    request: Request, needs: str | None = None
) -> tuple[Session, dict[str, Any]]:
    """The partner session behind the request (else a redirect to the login form) and the
    partner's overview. Refused: a suspended partner, and a partner without the role `needs`
    (`data` for the ledger and records, `merchant` for rewards and settlement)."""
    session = await page_session(request, "partner")
    partner = await transactions.read(request, lambda conn: portal.overview(conn, session.subject))
    if partner["status"] != "active":
        raise PortalRefused(portal.suspended(), session, partner)
    if needs == "data" and not partner["data"]:
        error = Forbidden("only data partners report records", code="not_a_data_partner")
        raise PortalRefused(error, session, partner)
    if needs == "merchant" and not partner["merchant"]:
        error = Forbidden(
            "only merchants list rewards; ask the operator to make this partner a merchant",
            code="not_a_merchant",
        )
        raise PortalRefused(error, session, partner)
    return session, partner


def show(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A portal page (the template's context carries the session and the partner)."""
    return rendering.page(request, template, audience=AUDIENCE, **context)


def refusal(
    request: Request, error: CarbonLedgerError, template: str, **context: Any
) -> HTMLResponse:
    """The page again, with the error in the page's language as a flash and its status."""
    return rendering.refused(request, template, error, audience=AUDIENCE, **context)


def said(request: Request, key: str, **values: object) -> str:
    """A message text in the request's language, for a flash after a change."""
    return i18n.translate(language_of(request), key, **values)


@router.get("/portal/login")
async def login_page(
    request: Request, next_path: Annotated[str | None, Query(alias="next")] = None
) -> HTMLResponse:
    return rendering.page(
        request,
        "portal/login.html",
        audience=AUDIENCE,
        next=safe_next(next_path, HOME),
        partner_id="",
    )


@router.post("/portal/login")
async def login(
    request: Request,
    partner: Annotated[str, Form(max_length=64)] = "",
    access_key: Annotated[str, Form(max_length=128)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=500)] = HOME,
) -> Response:
    target = safe_next(next_path, HOME)

    try:
        await same_site_form(request)
        opened = await logged_in(request, "partner", partner, access_key)
    except CarbonLedgerError as error:
        return refusal(request, error, "portal/login.html", next=target, partner_id=partner)
    if opened is None:
        wrong = Unauthorized("the partner id or the access key is wrong", code="bad_credentials")
        return refusal(request, wrong, "portal/login.html", next=target, partner_id=partner)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, *opened)
    return response


@router.post("/portal/logout")
async def logout(request: Request) -> Response:
    session = await page_session(request, "partner")
    await checked_form(request, session)
    platform = platform_of(request)
    token = request.cookies[sessions.COOKIE]
    await transactions.write(request, lambda conn: auth.logout(conn, platform.keys, token))
    response = RedirectResponse("/portal/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response
