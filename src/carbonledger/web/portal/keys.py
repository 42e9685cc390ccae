"""Partner portal: the partner's keys. Rotating the signing key registers a new Ed25519 public
key for the signed API (the old one still signs for `key_overlap_hours`); rotating the portal
key shows the new access key once and ends every other portal session of the partner."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from carbonledger import clock, transactions
from carbonledger.accounts import auth, portal
from carbonledger.accounts.dependencies import platform_of
from carbonledger.accounts.endpoints import set_session_cookie
from carbonledger.accounts.sessions import Session
from carbonledger.errors import CarbonLedgerError
from carbonledger.web.base.guard import checked_form
from carbonledger.web.portal.auth import portal_partner, refusal, said, show

router = APIRouter(include_in_schema=False)
_TEMPLATE = "portal/keys.html"


def _page(
    request: Request, session: Session, partner: dict[str, Any], **context: Any
) -> HTMLResponse:
    settings = platform_of(request).settings
    return show(
        request,
        _TEMPLATE,
        session=session,
        partner=partner,
        active="keys",
        zone=settings.zone,
        overlap_hours=settings.key_overlap_hours,
        **context,
    )


def _refused(
    request: Request, error: CarbonLedgerError, session: Session, partner: dict[str, Any]
) -> HTMLResponse:
    settings = platform_of(request).settings
    return refusal(
        request,
        error,
        _TEMPLATE,
        session=session,
        partner=partner,
        active="keys",
        zone=settings.zone,
        overlap_hours=settings.key_overlap_hours,
    )


@router.get("/portal/keys")
async def keys_page(request: Request) -> HTMLResponse:
    session, partner = await portal_partner(request)
    return _page(request, session, partner)


@router.post("/portal/keys/signing")
async def rotate_signing_key(request: Request) -> HTMLResponse:
    session, partner = await portal_partner(request)
    partner_id = partner["partner"]
    try:
        form = await checked_form(request, session)
        await transactions.write(
            request,
            lambda conn: portal.rotate_signing_key(
                conn, partner_id, form.get("public_key", ""), clock.now()
            ),
        )
    except CarbonLedgerError as error:
        return _refused(request, error, session, partner)
    changed = await transactions.read(request, lambda conn: portal.overview(conn, partner_id))
    return _page(
        request,
        session,
        changed,
        flash=said(
            request,
            "portal.keys.signing_rotated",
            hours=f"{platform_of(request).settings.key_overlap_hours:g}",
        ),
    )


@router.post("/portal/keys/portal")
async def rotate_portal_key(request: Request) -> HTMLResponse:
    session, partner = await portal_partner(request)
    platform = platform_of(request)
    try:
        await checked_form(request, session)
    except CarbonLedgerError as error:
        return _refused(request, error, session, partner)

    new = await run_in_threadpool(portal.new_portal_key)

    def work(conn: Any) -> tuple[str, str, Session]:
        now = clock.now()
        key = portal.issue_portal_key(conn, partner["partner"], new, now)
        # Every portal session of the partner has ended; the one who rotated stays logged in.
        token, renewed = auth.open_session(
            conn, platform.keys, "partner", partner["partner"], now, platform.settings.session_hours
        )
        return key, token, renewed

    key, token, renewed = await transactions.write(request, work)
    response = _page(
        request, renewed, partner, new_key=key, flash=said(request, "portal.keys.portal_rotated")
    )
    response.headers["Cache-Control"] = "no-store"  # the new key must not linger in any cache
    set_session_cookie(request, response, token, renewed)
    return response
