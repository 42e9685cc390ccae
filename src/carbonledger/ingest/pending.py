"""Pending records (待关联): kept while the person has not linked this partner, credited when
they do within the retention window, and `link_window_expired` after it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Row

from carbonledger.accounts import repository as accounts_repo
from carbonledger.accounts import service as accounts
from carbonledger.ingest import repository as repo
from carbonledger.ingest.crediting import Candidate, Crediting, Settled, refused
from carbonledger.ingest.results import Status
from carbonledger.ingest.rollups import Rollups
from carbonledger.platform import Platform


def link(
    conn: Connection, platform: Platform, partner_id: str, user: str, code: str, now: datetime
) -> int:
    """Link a partner user to a citizen with the citizen's one-time code and credit the user's
    pending records to them; return how many were credited."""
    service = Crediting.begin(conn, platform, now)
    citizen_id = accounts.link(conn, platform.keys, partner_id, user, code, now)
    citizen = accounts_repo.citizen(conn, citizen_id)
    assert citizen is not None
    return _release(
        service,
        partner_id,
        user,
        (citizen_id, citizen.pseudonym_key),
        platform.settings.retention_days,
    )


def _release(
    service: Crediting, partner_id: str, user: str, citizen: tuple[str, bytes], window_days: int
) -> int:
    """Credit the partner user's pending records to the newly linked citizen, oldest first;
    those older than the window are `link_window_expired`. Return how many were credited."""
    conn, now = service.conn, service.now
    cutoff = now - timedelta(days=window_days)
    rows = repo.pending_records(conn, partner_id, user)
    settled = Settled()
    settled.updates = _expire(rows, settled.rollups, cutoff)
    candidates = [Candidate.from_row(row, citizen) for row in rows if row.received_at >= cutoff]
    outcomes = service.decide(candidates, settled)
    return sum(outcome.status is Status.ACCEPTED for outcome in outcomes)


def _expire(rows: Sequence[Row[Any]], changes: Rollups, cutoff: datetime) -> list[dict[str, Any]]:
    updates = []
    for row in rows:
        if row.received_at < cutoff:
            key = (row.day, row.region, row.scenario, row.partner_id)
            changes.count(key, Status.PENDING, -1)
            changes.count(key, Status.REJECTED)
            expired = refused("link_window_expired")
            updates.append({"record_id": row.id, **expired.columns(cutoff)})
    return updates


def expire(conn: Connection, platform: Platform, now: datetime) -> int:
    """Reject every pending record whose link window has passed; return how many."""
    cutoff = now - timedelta(days=platform.settings.retention_days)
    rows = repo.pending_received_before(conn, cutoff)
    changes = Rollups()
    updates = _expire(rows, changes, cutoff)
    repo.update_outcomes(conn, updates)
    repo.add_rollups(conn, changes)
    return len(updates)
