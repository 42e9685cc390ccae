"""Citizen app: appeals (申诉) — contesting a record that was not credited or was reversed, from
the ledger; the appeals filed, with the reviewer's answer when it comes. The service is the
`appeals` package's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.appeals import service
from carbonledger.platform import Platform
from carbonledger.web.base.guard import page_session
from carbonledger.web.citizen.home import names
from carbonledger.web.citizen.page import Page, after

router = APIRouter(include_in_schema=False)
PATH = "/app/appeals"
_RECORD_ID_LENGTH = 26


def _context(conn: Connection, platform: Platform, citizen: str, language: str) -> dict[str, Any]:
    return {"appeals": service.of_citizen(conn, citizen), "names": names(conn, platform, language)}


APPEALS = Page("citizen/appeals.html", "ledger", _context)


@router.get(PATH)
async def appeals_page(request: Request) -> HTMLResponse:
    record = request.query_params.get("record", "")
    chosen = record if len(record) == _RECORD_ID_LENGTH else ""
    return await APPEALS.show(request, await page_session(request, "citizen"), record=chosen)


def _file(conn: Connection, _platform: Platform, citizen: str, form: dict[str, str]) -> str:
    return service.file(conn, citizen, form.get("record", ""), form.get("reason", ""), clock.now())


@router.post(PATH)
async def file_appeal(request: Request) -> Response:
    done = await APPEALS.act(request, _file)
    if isinstance(done, HTMLResponse):
        return done
    return after(PATH, "appealed", anchor=f"appeal-{done[1]}")
