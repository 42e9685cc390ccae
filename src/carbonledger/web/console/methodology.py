"""Console: methodology versions (方法学版本, role `methodology`) — each scenario's version in
force today and those published to come, and publishing a new factor from an effective date."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.ledgers.service import today_in
from carbonledger.methodology import service
from carbonledger.methodology.catalogue import STATUSES
from carbonledger.methodology.publishing import Draft
from carbonledger.platform import Platform
from carbonledger.web.console.support import Area, Operator, show
from carbonledger.web.public.pages import handbook_rows

router = APIRouter(include_in_schema=False)
PATH = "/console/methodology"
_FIELDS = (
    "scenario",
    "effective_from",
    "factor",
    "status",
    "provenance",
    "derivation",
    "version_id",
)


def _view(conn: Connection, platform: Platform) -> dict[str, Any]:
    now = clock.now()
    catalogue = platform.refresh_catalogue(conn)
    today = today_in(platform.settings.zone, now)
    upcoming: dict[str, list[dict[str, Any]]] = {}
    for scenario in catalogue.scenarios:
        for version in scenario.versions:
            if version.effective_from > today:
                upcoming.setdefault(scenario.code, []).append(version.to_public())
    return {
        "scenarios": handbook_rows(catalogue, today),
        "embodied": [s.code for s in catalogue.scenarios if s.needs_embodied],
        "upcoming": upcoming,
        "published": service.published(conn),
        "earliest": service.earliest_effective_date(platform, now).isoformat(),
    }


async def page(
    request: Request,
    me: Operator,
    *,
    flash: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    platform = platform_of(request)
    view = await transactions.read(request, lambda conn: _view(conn, platform))
    chosen = form or {"scenario": request.query_params.get("scenario", "")}
    return show(
        request,
        "console/methodology.html",
        me,
        "methodology",
        status=status,
        flash=flash,
        statuses=STATUSES,
        form=chosen,
        **view,
    )


AREA = Area(PATH, "methodology", page)


@router.get(PATH)
async def versions(request: Request) -> Response:
    return await AREA.show(request)


@router.post(PATH)
async def publish(request: Request) -> Response:
    platform = platform_of(request)
    form = await request.form()
    draft = Draft(**{name: str(form.get(name, "")) for name in _FIELDS})
    # The notice names the version; the effective date is its id unless one was given.
    name = f"{draft.scenario}@{draft.version_id.strip() or draft.effective_from.strip()}"
    return await AREA.change(
        request,
        "version_published",
        name,
        lambda conn, me, _fields: service.publish(conn, platform, draft, me.id, clock.now()),
    )
