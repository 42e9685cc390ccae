"""Citizen app: donating points (积分捐赠) to public-welfare projects — tree planting, fish
release, river clean-up — in whole units of their work ("3 trees"), with each project's progress
and what I funded. The same services answer `/api/v1/projects` and `/api/v1/me/donations`;
each form carries a fresh key, so a resent form does not donate twice."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.accounts.sessions import Session
from carbonledger.donations import service as donations
from carbonledger.errors import CarbonLedgerError, InvalidInput
from carbonledger.points.ledger import balance
from carbonledger.points.postings import citizen_account
from carbonledger.web.citizen_rewards import new_key
from carbonledger.web.citizen_support import after, reading, refused, show, writing
from carbonledger.web.guard import checked_form, page_session

router = APIRouter(include_in_schema=False)
_PAGE = "citizen/donations.html"
TREE_PLANTING = "tree_planting"


def trees_funded(conn: Connection, citizen_id: str) -> int:
    """Trees the citizen's donations paid for, over every tree-planting project."""
    funded = donations.funded_by(conn, citizen_id).projects
    return sum(int(row.units) for row in funded if row.kind == TREE_PLANTING)


def _context(conn: Connection, citizen: str) -> dict[str, Any]:
    funded = donations.funded_by(conn, citizen)
    return {
        "projects": [row for row in donations.projects(conn) if row.status == "open"],
        "funded": funded.projects,
        "recent": funded.recent,
        "balance": balance(conn, citizen_account(citizen)),
        "new_key": new_key,
    }


async def _page(request: Request, session: Session) -> dict[str, Any]:
    return await reading(request, lambda conn, _: _context(conn, session.subject))


@router.get("/app/donations")
async def projects(request: Request) -> HTMLResponse:
    session = await page_session(request, "citizen")
    return show(request, _PAGE, session, "donations", **await _page(request, session))


@router.post("/app/donations")
async def donate(request: Request) -> Response:
    session = await page_session(request, "citizen")
    try:
        form = await checked_form(request, session)
        units = form.get("units", "")
        if not units.isdigit():
            raise InvalidInput("give the number of units as a whole number", code="invalid_units")
        await writing(
            request,
            lambda conn, _: donations.donate(
                conn,
                session.subject,
                form.get("project", ""),
                int(units),
                form.get("key", ""),
                clock.now(),
            ),
        )
    except CarbonLedgerError as error:
        context = await _page(request, session)
        return refused(request, _PAGE, session, "donations", error, **context)
    return after("/app/donations", "donated", anchor="funded")
