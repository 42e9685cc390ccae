"""Citizen app: the home page (today's and total reductions, points, what to do next) and the
personal carbon ledger (个人碳账本: totals, by scenario, by day, every entry with its status and
reason), read through `ledgers.service.personal` like `/api/v1/me/ledger`. Each credited entry is
checked against the public log by `static/verify.js` in the browser."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts import auth
from carbonledger.accounts import repository as accounts_repo
from carbonledger.accounts import service as accounts
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import NotFound
from carbonledger.ingest import repository as ingest_repo
from carbonledger.ledgers import service as ledgers
from carbonledger.platform import Platform
from carbonledger.translog.pseudonyms import day_openings
from carbonledger.translog.receipt_endpoints import receipt_of_leaf, receipt_response
from carbonledger.web.base.guard import page_session
from carbonledger.web.base.names import scenario_names
from carbonledger.web.base.rendering import language_of
from carbonledger.web.citizen import campaigns
from carbonledger.web.citizen.donations import trees_funded
from carbonledger.web.citizen.page import show

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
RECENT = 5
_RECORD_ID_LENGTH = 26


def names(conn: Connection, platform: Platform, language: str) -> dict[str, dict[str, str]]:
    """Display names of scenarios and partners, for tables that hold their codes."""
    chinese = language == "zh"
    return {
        "scenario": scenario_names(platform.catalogue, language),
        "unit": {s.code: s.unit_zh if chinese else s.unit for s in platform.catalogue.scenarios},
        "partner": accounts.partner_names(conn),
    }


def localised(ledger: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The ledger with each entry's time in the city's time (the service gives UTC)."""
    for entry in ledger["entries"]:
        at = entry["occurred_at"]
        entry["local_time"] = datetime.fromisoformat(at).astimezone(zone) if at else None
    return ledger


def _home(conn: Connection, platform: Platform, citizen: str, language: str) -> dict[str, Any]:
    ledger = ledgers.personal(conn, citizen, RECENT)
    today = ledgers.today_in(platform.settings.zone, clock.now()).isoformat()
    today_row = next((row for row in ledger["by_day"] if row["day"] == today), None)
    return {
        "profile": auth.profile(conn, platform.keys, citizen),
        "ledger": ledger,
        "today": today_row or {"reduction_mg": 0, "points": 0, "records": 0},
        "names": names(conn, platform, language),
        "links": len(accounts.citizen_links(conn, citizen)),
        "trees": trees_funded(conn, citizen),
        "campaigns": campaigns.running(conn, platform, language),
    }


@router.get("/app")
async def home(request: Request) -> HTMLResponse:
    session = await page_session(request, "citizen")
    language = language_of(request)
    platform = platform_of(request)
    context = await transactions.read(
        request, lambda conn: _home(conn, platform, session.subject, language)
    )
    return show(request, "citizen/home.html", session, "home", **context)


@router.get("/app/ledger")
async def ledger(request: Request) -> HTMLResponse:
    session = await page_session(request, "citizen")
    before = request.query_params.get("before")
    if before is not None and len(before) != _RECORD_ID_LENGTH:
        before = None
    language = language_of(request)

    platform = platform_of(request)

    def read(conn: Connection) -> dict[str, Any]:
        ledger = ledgers.personal(conn, session.subject, PAGE_SIZE, before)
        citizen = accounts_repo.citizen(conn, session.subject)
        return {
            "ledger": localised(ledger, platform.settings.zone),
            # The openings let the page prove in the browser that a leaf is the citizen's.
            "openings": day_openings(
                citizen.pseudonym_key if citizen else None,
                ((e["day"], e["scenario"]) for e in ledger["entries"] if e["scenario"]),
            ),
            "names": names(conn, platform, language),
            "older": before is not None,
        }

    context = await transactions.read(request, read)
    return show(request, "citizen/ledger.html", session, "ledger", **context)


@router.get("/app/ledger/{record}/receipt")
async def receipt(request: Request, record: str) -> Response:
    """The receipt of one of the citizen's credits, to keep or hand to anyone (C2SP tlog-proof)."""
    session = await page_session(request, "citizen")

    def read(conn: Connection) -> str:
        row = ingest_repo.record_by_id(conn, record)
        if row is None or row.citizen_id != session.subject:
            raise NotFound(f"you have no record {record!r}", code="unknown_record")
        return receipt_of_leaf(conn, row.leaf_index, "this record")

    return receipt_response(await transactions.read(request, read), record)
