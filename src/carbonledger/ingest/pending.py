"""Pending records (待关联): kept while the person has not linked this partner, credited when
they do within the retention window, and `link_window_expired` after it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Row

from carbonledger.ingest import repository as repo
from carbonledger.ingest.crediting import Candidate, Outcome, credit
from carbonledger.ingest.dedupe import Decision
from carbonledger.ingest.pipeline import outcome_columns
from carbonledger.ingest.results import Status
from carbonledger.ingest.rollups import Rollups
from carbonledger.platform import Platform
from carbonledger.review import service as review
from carbonledger.translog import sequencer


def _key(row: Row[Any]) -> tuple[Any, str, str, str]:
    return (row.day, row.region, row.scenario, row.partner_id)


def release(
    conn: Connection,
    platform: Platform,
    partner_id: str,
    user: str,
    citizen: tuple[str, bytes],
    now: datetime,
) -> int:
    """Credit the partner user's pending records to the newly linked citizen, oldest first;
    return how many were credited. The caller holds the sequencer lock."""
    head = sequencer.head(conn)
    platform.refresh_catalogue(conn)
    cutoff = now - timedelta(days=platform.settings.retention_days)
    rows = repo.pending_records(conn, partner_id, user)
    waiting = [row for row in rows if row.received_at >= cutoff]
    changes = Rollups()
    updates = _expire(rows, changes, cutoff)
    citizen_id = citizen[0]
    candidates = [
        Candidate.of(row, row.id, partner_id, citizen, row.region, row.day) for row in waiting
    ]
    outcomes, _ = credit(conn, platform.catalogue, head, candidates, now)
    credited = 0
    for row, outcome in zip(waiting, outcomes, strict=True):
        status = Status(outcome.decision.status)
        changes.count(_key(row), Status.PENDING, -1)
        changes.count(_key(row), status)
        credited_citizen = citizen_id if status is Status.ACCEPTED else None
        changes.credit(_key(row), outcome.reduction_mg, outcome.points, credited_citizen)
        updates.append(
            {"record_id": row.id, "citizen_id": citizen_id, **outcome_columns(outcome, now)}
        )
        credited += status is Status.ACCEPTED
    repo.update_outcomes(conn, updates)
    repo.add_rollups(conn, changes)
    review.flag_credits(conn, platform.catalogue, candidates, outcomes, now)
    return credited


def _expire(rows: Sequence[Row[Any]], changes: Rollups, cutoff: datetime) -> list[dict[str, Any]]:
    updates = []
    for row in rows:
        if row.received_at < cutoff:
            changes.count(_key(row), Status.PENDING, -1)
            changes.count(_key(row), Status.REJECTED)
            expired = Outcome(Decision("rejected", "link_window_expired"))
            updates.append(
                {"record_id": row.id, "citizen_id": None, **outcome_columns(expired, cutoff)}
            )
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
