"""SQL of the ingestion path: batches, records and their results, dedupe state, rollups."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.db import insert_new, upsert
from carbonledger.ingest.dedupe import DedupeState, Trip, Usage
from carbonledger.ingest.results import FieldError, Result, Status
from carbonledger.ingest.rollups import Rollups
from carbonledger.ingest.tables import (
    batches,
    daily_usage,
    evidence_keys,
    participant_days,
    participants,
    records,
    reversals,
    rollup_citizens,
    rollups,
    trips,
)

_RESULT_COLUMNS = (
    records.c.id,
    records.c.external_id,
    records.c.content_hash,
    records.c.status,
    records.c.reason,
    records.c.duplicate_of,
    records.c.reduction_mg,
    records.c.points,
    records.c.methodology,
    records.c.leaf_index,
    records.c.capped,
    records.c.errors,
)


def insert_batch(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(batches.insert(), row)


def result_from_row(row: Any) -> Result:
    errors = tuple(FieldError(**item) for item in json.loads(row.errors)) if row.errors else ()
    return Result(
        external_id=row.external_id,
        status=Status(row.status),
        record=row.id,
        reason=row.reason,
        duplicate_of=row.duplicate_of,
        reduction_mg=row.reduction_mg,
        points=row.points,
        methodology=row.methodology,
        leaf_index=row.leaf_index,
        capped=row.capped,
        errors=errors,
    )


def stored_results(
    conn: Connection, partner_id: str, external_ids: Sequence[str]
) -> dict[str, tuple[bytes, Result]]:
    """external_id → (content hash, result) for this partner's records already stored."""
    if not external_ids:
        return {}
    rows = conn.execute(
        select(*_RESULT_COLUMNS).where(
            records.c.partner_id == partner_id,
            records.c.external_id.in_(list(set(external_ids))),
        )
    )
    return {row.external_id: (row.content_hash, result_from_row(row)) for row in rows}


def result_of(conn: Connection, partner_id: str, external_id: str) -> Result | None:
    row = conn.execute(
        select(*_RESULT_COLUMNS).where(
            records.c.partner_id == partner_id, records.c.external_id == external_id
        )
    ).first()
    return result_from_row(row) if row else None


def insert_records(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(records.insert(), rows)


_OUTCOME_COLUMNS = (
    "citizen_id",
    "status",
    "reason",
    "duplicate_of",
    "reduction_mg",
    "points",
    "methodology",
    "leaf_index",
    "capped",
    "points_capped",
    "credited_milli",
    "credited_at",
)


def update_outcomes(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Store the outcome of records that waited (pending) and are now decided."""
    if rows:
        conn.execute(
            update(records)
            .where(records.c.id == bindparam("record_id"))
            .values({name: bindparam(name) for name in _OUTCOME_COLUMNS}),
            list(rows),
        )


def record_by_id(conn: Connection, record_id: str) -> Row[Any] | None:
    return conn.execute(select(records).where(records.c.id == record_id)).first()


def mark_reversed(
    conn: Connection, record_id: str, leaf_index: int, reason: str, clawed: int, now: datetime
) -> None:
    conn.execute(
        update(records)
        .where(records.c.id == record_id)
        .values(status=Status.REJECTED.value, reason="reversed")
    )
    conn.execute(
        reversals.insert(),
        {
            "record_id": record_id,
            "leaf_index": leaf_index,
            "reason": reason,
            "points_clawed_back": clawed,
            "created_at": now,
        },
    )


def pending_records(conn: Connection, partner_id: str, user: str) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(records)
            .where(
                records.c.partner_id == partner_id,
                records.c.partner_user == user,
                records.c.status == Status.PENDING.value,
            )
            .order_by(records.c.occurred_at, records.c.id)
        )
    )


def pending_received_before(conn: Connection, cutoff: datetime) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(records).where(
                records.c.status == Status.PENDING.value, records.c.received_at < cutoff
            )
        )
    )


def load_dedupe(
    conn: Connection,
    citizen_ids: Iterable[str],
    days: Iterable[date],
    trip_window: tuple[datetime, datetime] | None,
    keys: Iterable[tuple[str, str]],
) -> DedupeState:
    """The dedupe state a set of claims can touch: their citizens' trips in the window, daily
    usage on their days, and the evidence keys they carry."""
    citizen_list = list(set(citizen_ids))
    day_list = list(set(days))
    found_trips: list[Trip] = []
    if trip_window and citizen_list:
        start, end = trip_window
        found_trips = [
            Trip(r.record_id, r.citizen_id, r.dedupe_group, r.scenario, r.started_at, r.ended_at)
            for r in conn.execute(
                select(trips).where(
                    trips.c.citizen_id.in_(citizen_list),
                    trips.c.started_at < end,
                    trips.c.ended_at > start,
                )
            )
        ]
    usage: dict[tuple[str, date, str], Usage] = {}
    if citizen_list and day_list:
        for r in conn.execute(
            select(daily_usage).where(
                daily_usage.c.citizen_id.in_(citizen_list),
                daily_usage.c.day.in_(day_list),
            )
        ):
            usage[(r.citizen_id, r.day, r.scenario)] = Usage(r.used_milli, r.last_record)
    key_list = list(set(keys))
    evidence: dict[tuple[str, str], str] = {}
    if key_list:
        for r in conn.execute(
            select(evidence_keys).where(
                # Both columns, so the (scenario, key) primary key serves the look-up.
                evidence_keys.c.scenario.in_(list({s for s, _ in key_list})),
                evidence_keys.c.key.in_([k for _, k in key_list]),
            )
        ):
            evidence[(r.scenario, r.key)] = r.record_id
    return DedupeState.of(found_trips, usage, evidence)


def save_dedupe(conn: Connection, state: DedupeState) -> None:
    if state.new_trips:
        conn.execute(
            trips.insert(),
            [
                {
                    "record_id": t.record_id,
                    "citizen_id": t.citizen_id,
                    "dedupe_group": t.group,
                    "scenario": t.scenario,
                    "started_at": t.started_at,
                    "ended_at": t.ended_at,
                }
                for t in state.new_trips
            ],
        )
    if state.new_evidence:
        conn.execute(
            evidence_keys.insert(),
            [{"scenario": s, "key": k, "record_id": r} for (s, k), r in state.new_evidence.items()],
        )
    upsert(
        conn,
        daily_usage,
        [
            {
                "citizen_id": c,
                "day": d,
                "scenario": s,
                "used_milli": state.usage[(c, d, s)].used_milli,
                "last_record": state.usage[(c, d, s)].last_record,
            }
            for (c, d, s) in state.touched_usage
        ],
        keys=("citizen_id", "day", "scenario"),
        replace=("used_milli", "last_record"),
    )


def add_rollups(conn: Connection, changes: Rollups) -> None:
    """Write rollup changes; citizens credited under a key (or at all) for the first time are
    counted once, in `rollups.citizens` and in `participant_days`."""
    if changes.credited:
        fresh = insert_new(
            conn,
            rollup_citizens,
            [
                {"day": d, "region": r, "scenario": s, "partner_id": p, "citizen_id": c}
                for (d, r, s, p), c in changes.credited
            ],
        )
        changes.new_citizens([(row.day, row.region, row.scenario, row.partner_id) for row in fresh])
        _count_participants(conn, changes)
    upsert(
        conn,
        rollups,
        changes.rows(),
        keys=("day", "region", "scenario", "partner_id"),
        add=Rollups.columns(),
    )


def _count_participants(conn: Connection, changes: Rollups) -> None:
    first: dict[str, tuple[date, str]] = {}
    for (day, region, _, _), citizen_id in changes.credited:
        if citizen_id not in first or day < first[citizen_id][0]:
            first[citizen_id] = (day, region)
    joined = insert_new(
        conn,
        participants,
        [{"citizen_id": c, "first_day": d, "region": r} for c, (d, r) in first.items()],
    )
    per_day: Counter[tuple[date, str]] = Counter(first[row.citizen_id] for row in joined)
    upsert(
        conn,
        participant_days,
        [{"day": d, "region": r, "joined": n} for (d, r), n in per_day.items()],
        keys=("day", "region"),
        add=("joined",),
    )
