"""Console: logging in and out, and the overview of what waits in each area the operator's
roles open. The forms call the same services as `/api/v1/session/operator`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts import auth, sessions
from carbonledger.accounts import service as accounts
from carbonledger.accounts.dependencies import current_session, platform_of
from carbonledger.accounts.endpoints import logged_in, set_session_cookie
from carbonledger.errors import CarbonLedgerError, Unauthorized
from carbonledger.ledgers import service as ledgers
from carbonledger.methodology import service as methodology
from carbonledger.points import service as points
from carbonledger.reports.monthly import month_range
from carbonledger.review import service as review
from carbonledger.web.base.guard import checked_form, safe_next, same_site_form
from carbonledger.web.console.support import Operator, error_text, operator, show

router = APIRouter(include_in_schema=False)
HOME = "/console"


@router.get("/console/login")
async def login_form(request: Request) -> Response:
    found = await current_session(request)
    if found is not None and found.kind == "operator":
        return RedirectResponse(HOME, status_code=303)
    return show(
        request, "console/login.html", None, "login", next=request.query_params.get("next", "")
    )


@router.post("/console/login")
async def login(request: Request) -> Response:
    form: dict[str, str] = {}
    try:
        form = await same_site_form(request)
        # The failure is committed before the refusal: it counts towards the throttle.
        login, password = form.get("operator", ""), form.get("password", "")
        opened = await logged_in(request, "operator", login, password)
        if opened is None:
            raise Unauthorized("the operator id or the password is wrong", code="bad_credentials")
    except CarbonLedgerError as error:
        return show(
            request,
            "console/login.html",
            None,
            "login",
            status=error.status,
            flash=error_text(request, error),
            operator_id=form.get("operator", ""),
            next=form.get("next", ""),
        )
    response = RedirectResponse(safe_next(form.get("next"), HOME), status_code=303)
    set_session_cookie(request, response, *opened)
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    me = await operator(request)
    try:
        await checked_form(request, me.session)
    except CarbonLedgerError:
        return RedirectResponse(HOME, status_code=303)  # an expired form: still logged in
    platform = platform_of(request)
    token = request.cookies[sessions.COOKIE]
    await transactions.write(request, lambda conn: auth.logout(conn, platform.keys, token))
    response = RedirectResponse("/console/login?done=logged_out", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


def _overview(conn: Connection, me: Operator, request: Request) -> dict[str, Any]:
    """The figures on the overview: what waits for each of the operator's areas."""
    platform = platform_of(request)
    now = clock.now()
    today = ledgers.today_in(platform.settings.zone, now)
    figures: dict[str, Any] = {}
    if me.can("partners"):
        figures["pending_partners"] = sum(
            1 for p in accounts.partners(conn) if p["status"] == "pending"
        )
    if me.can("reviewer"):
        figures["open_flags"] = review.queue(conn, limit=1)["counts"]["open"]
    if me.can("points"):
        figures["open_campaigns"] = sum(
            1 for c in points.campaigns(conn) if c.status == "open" and c.campaign.ends_at > now
        )
    if me.can("methodology"):
        figures["upcoming_versions"] = sum(
            1 for v in methodology.published(conn) if v["effective_from"] > today.isoformat()
        )
    if me.can("reports"):
        first, last = month_range(today)
        month = ledgers.government(conn, platform.settings.zone, first, last, None, rows=False)
        figures["month"] = {
            "label": today.strftime("%Y-%m"),
            "reduction_mg": month["totals"]["reduction_mg"],
            "accepted": month["totals"]["accepted"],
            "participants": month["totals"]["participants"],
            "since": (today - timedelta(days=today.day - 1)).isoformat(),
        }
    return figures


@router.get("/console")
async def home(request: Request) -> Response:
    me = await operator(request)
    figures = await transactions.read(request, lambda conn: _overview(conn, me, request))
    return show(request, "console/home.html", me, "home", figures=figures)
