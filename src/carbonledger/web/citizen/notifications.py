"""Citizen app: notifications (消息) — what the citizen should know now, read from their own
figures rather than stored as messages: points that arrived in the last week, points that
expire this month, appeals answered in the last month, and vouchers about to be voided."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.appeals import service as appeals
from carbonledger.keys import Keys
from carbonledger.platform import Platform
from carbonledger.points.statement import statement
from carbonledger.rewards import service as rewards
from carbonledger.rewards import vouchers
from carbonledger.web.base.guard import page_session
from carbonledger.web.citizen.page import Page

router = APIRouter(include_in_schema=False)
ARRIVED_DAYS = 7
ANSWERED_DAYS = 30
VOUCHER_WARNING = timedelta(hours=6)
MOVEMENTS = 500
_EARNED = frozenset({"in"})


def notices(
    conn: Connection, keys: Keys, citizen_id: str, zone: Any, now: datetime
) -> list[dict[str, Any]]:
    """The citizen's notices, the most pressing first: vouchers about to be voided, points
    expiring this month, appeals answered, points arrived."""
    found: list[dict[str, Any]] = []
    for row in rewards.redemptions_of(conn, citizen_id):
        if row.state == "reserved" and row.expires_at - now <= VOUCHER_WARNING:
            found.append(
                {
                    "kind": "voucher",
                    "code": vouchers.shown(keys, row),
                    "at": row.expires_at,
                    "name_zh": row.name_zh,
                    "name_en": row.name_en,
                }
            )
    seen = statement(conn, citizen_id, zone, now, MOVEMENTS)
    today = now.astimezone(zone).date()
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    for expiring in seen.expiring:
        if expiring.points > 0 and expiring.last_day <= month_end:
            found.append({"kind": "expiring", "points": expiring.points, "day": expiring.last_day})
    since = now - timedelta(days=ANSWERED_DAYS)
    for appeal in appeals.of_citizen(conn, citizen_id):
        if appeal.answered_at is not None and appeal.answered_at >= since:
            found.append(
                {
                    "kind": "appeal",
                    "status": appeal.status,
                    "at": appeal.answered_at,
                    "id": appeal.id,
                }
            )
    arrived: dict[date, int] = {}
    for move in seen.movements:
        local = move.at.astimezone(zone).date()
        if move.direction in _EARNED and (today - local).days < ARRIVED_DAYS:
            arrived[local] = arrived.get(local, 0) + move.points
    found += [
        {"kind": "arrived", "day": day, "points": points}
        for day, points in sorted(arrived.items(), reverse=True)
    ]
    return found


def _context(conn: Connection, platform: Platform, citizen: str, _language: str) -> dict[str, Any]:
    return {"notices": notices(conn, platform.keys, citizen, platform.settings.zone, clock.now())}


NOTIFICATIONS = Page("citizen/notifications.html", "notifications", _context)


@router.get("/app/notifications")
async def notifications(request: Request) -> HTMLResponse:
    return await NOTIFICATIONS.show(request, await page_session(request, "citizen"))
