"""Citizen app: donating points (积分捐赠) to public-welfare projects — tree planting, fish
release, river clean-up — in whole units of their work ("3 trees"), with each project's progress
and what I funded. The same services answer `/api/v1/projects` and `/api/v1/me/donations`;
each form carries a fresh key, so a resent form does not donate twice."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from carbonledger import bounds, clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.donations import certificate
from carbonledger.donations import service as donations
from carbonledger.errors import CarbonLedgerError, InvalidInput
from carbonledger.platform import Platform
from carbonledger.points.ledger import balance
from carbonledger.points.postings import citizen_account
from carbonledger.web.base.guard import page_session
from carbonledger.web.citizen.page import Page, after
from carbonledger.web.citizen.rewards import new_key

router = APIRouter(include_in_schema=False)
TREE_PLANTING = "tree_planting"


def trees_funded(conn: Connection, citizen_id: str) -> int:
    """Trees the citizen's donations paid for, over every tree-planting project."""
    funded = donations.funded_by(conn, citizen_id).projects
    return sum(int(row.units) for row in funded if row.kind == TREE_PLANTING)


def _context(conn: Connection, _platform: Platform, citizen: str, _language: str) -> dict[str, Any]:
    funded = donations.funded_by(conn, citizen)
    return {
        "projects": [row for row in donations.projects(conn) if row.status == "open"],
        "funded": funded.projects,
        "recent": funded.recent,
        "balance": balance(conn, citizen_account(citizen)),
        "new_key": new_key,
    }


DONATIONS = Page("citizen/donations.html", "donations", _context)


@router.get("/app/donations")
async def projects(request: Request) -> HTMLResponse:
    return await DONATIONS.show(request, await page_session(request, "citizen"))


def _donate(conn: Connection, _platform: Platform, citizen: str, form: dict[str, str]) -> None:
    units = bounds.whole_number(form.get("units", ""))
    if units is None:
        raise InvalidInput("give the number of units as a whole number", code="invalid_units")
    project, key = form.get("project", ""), form.get("key", "")
    donations.donate(conn, citizen, project, units, key, clock.now())


@router.post("/app/donations")
async def donate(request: Request) -> Response:
    done = await DONATIONS.act(request, _donate)
    return (
        done
        if isinstance(done, HTMLResponse)
        else after("/app/donations", "donated", anchor="funded")
    )


@router.get("/app/donations/{project_id}/certificate.pdf")
async def certificate_pdf(request: Request, project_id: str) -> Response:
    session = await page_session(request, "citizen")
    platform = platform_of(request)
    try:
        found = await transactions.read(
            request,
            lambda conn: certificate.of(
                conn, platform.keys, session.subject, project_id, platform.settings.zone
            ),
        )
    except CarbonLedgerError as error:
        return await DONATIONS.refused(request, session, error)
    pdf = await run_in_threadpool(certificate.write_pdf, found, platform.settings.report_font)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificate-{found.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )
