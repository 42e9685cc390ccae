"""The public log explorer (`/log`): the latest checkpoint with its cosignatures and their age,
the entries page by page, an entry found by leaf index or record id, a receipt checked in the
browser (static/verify.js), and the audit of the dashboard (`/log/audit`). Read only; nothing
on these pages asks anything of a server other than this platform."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.ledgers.service import today_in
from carbonledger.platform import Platform
from carbonledger.translog import explorer
from carbonledger.translog.publisher import configured_witnesses
from carbonledger.web.base.rendering import render

router = APIRouter(include_in_schema=False)


def age_seconds(then: datetime | None, now: datetime) -> int | None:
    return None if then is None else max(0, int((now - then).total_seconds()))


def _before(raw: str | None) -> int | None:
    return int(raw) if raw is not None and raw.isdigit() else None


def _witness_keys(platform: Platform) -> list[str]:
    return [w.verifier.vkey() for w in configured_witnesses(platform.settings.witnesses)]


@router.get("/log")
async def log_page(request: Request) -> HTMLResponse:
    platform = platform_of(request)
    before = _before(request.query_params.get("before"))
    query = request.query_params.get("q", "")
    witnesses = [w.verifier for w in configured_witnesses(platform.settings.witnesses)]
    log = platform.log_signer.verifier()

    def read(conn: Connection) -> dict[str, Any]:
        checkpoint = explorer.checkpoint_view(conn, log, witnesses)
        size = checkpoint.size if checkpoint else 0
        return {
            "checkpoint": checkpoint,
            "entries": explorer.entries_page(conn, size, before),
            "found": explorer.lookup(conn, size, query) if query else None,
        }

    context = await transactions.read(request, read)
    entries = context["entries"]
    oldest = entries[-1]["index"] if entries else 0
    return render(
        request,
        "log.html",
        **context,
        query=query,
        now=clock.now(),
        age=age_seconds,
        vkey=log.vkey(),
        witness_keys=_witness_keys(platform),
        newer=before is not None,
        older=oldest if oldest > 0 else None,
    )


@router.get("/log/audit")
async def audit_page(request: Request) -> HTMLResponse:
    platform = platform_of(request)
    zone = platform.settings.zone
    today = today_in(zone, clock.now())
    audit = await transactions.read(
        request,
        lambda conn: explorer.audit_view(conn, platform.settings.log_origin, zone, today),
    )
    return render(request, "log_audit.html", audit=audit)
