"""SQL of the ingestion path: batches, records and their results, dedupe state, rollups."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.db import (
    fetch,
    insert_new,
    insert_rows,
    parameter_mark,
    read_instant,
    select_in,
    select_keys,
    stored_instant,
    update_rows,
    upsert,
)
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
from carbonledger.methodology.quantify import LONGEST_INTERVAL

if TYPE_CHECKING:
    from carbonledger.ingest.crediting import Candidate

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


class _ResultRow(NamedTuple):
    """The `_RESULT_COLUMNS` of a stored record."""

    id: str
    external_id: str
    content_hash: bytes
    status: str
    reason: str | None
    duplicate_of: str | None
    reduction_mg: int
    points: int
    methodology: str | None
    leaf_index: int | None
    capped: bool
    errors: str | None


def insert_batch(conn: Connection, row: dict[str, Any]) -> None:
    insert_rows(conn, batches, [row])


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
    names = [column.name for column in _RESULT_COLUMNS]
    rows = select_in(
        conn, records, names, {"external_id": external_ids}, equal={"partner_id": partner_id}
    )
    found = (_ResultRow(*row) for row in rows)
    return {row.external_id: (row.content_hash, result_from_row(row)) for row in found}


def result_of(conn: Connection, partner_id: str, external_id: str) -> Result | None:
    row = conn.execute(
        select(*_RESULT_COLUMNS).where(
            records.c.partner_id == partner_id, records.c.external_id == external_id
        )
    ).first()
    return result_from_row(row) if row else None


def insert_records(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(conn, records, rows)


def update_outcomes(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Store the outcome of records that waited (pending) and are now decided."""
    update_rows(
        conn,
        records,
        "id",
        [
            {"id": row["record_id"]} | {k: v for k, v in row.items() if k != "record_id"}
            for row in rows
        ],
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


def load_dedupe(conn: Connection, claims: Sequence[Candidate]) -> DedupeState:
    """The dedupe state the claims can touch: their citizens' trips near each claim's interval,
    daily usage on their days, and the evidence keys they carry. Batch-sized: each citizen's
    claims are merged into spans, and only trips starting in a span (reaching back by the
    longest interval a record may have) are read, however long the citizen's history."""
    found_trips = _trips_near(conn, claims)
    usage = {
        (citizen_id, day, scenario): Usage(used_milli, last_record)
        for citizen_id, day, scenario, used_milli, last_record in select_keys(
            conn,
            daily_usage,
            ("citizen_id", "day", "scenario", "used_milli", "last_record"),
            ("citizen_id", "day"),
            {(c.citizen_id, c.day) for c in claims},
        )
    }
    key_list = {(c.scenario, c.evidence_key) for c in claims if c.evidence_key is not None}
    evidence: dict[tuple[str, str], str] = {
        (scenario, key): record_id
        for scenario, key, record_id in select_in(
            conn,
            evidence_keys,
            ("scenario", "key", "record_id"),
            # Both columns, so the (scenario, key) primary key serves the look-up.
            {"key": {k for _, k in key_list}, "scenario": {s for s, _ in key_list}},
        )
    }
    return DedupeState.of(found_trips, usage, evidence)


def _trips_near(conn: Connection, claims: Sequence[Candidate]) -> list[Trip]:
    """The stored trips that overlap a claim: for each, the index range of trips starting from
    the longest interval before it until its end, keeping those that end after it starts."""
    spans = {(c.citizen_id, c.occurred_at, c.ended_at) for c in claims if c.ended_at is not None}
    if not spans:
        return []
    near = [
        (
            citizen_id,
            stored_instant(conn, start - LONGEST_INTERVAL),
            stored_instant(conn, start),
            stored_instant(conn, end),
        )
        for citizen_id, start, end in spans
    ]
    columns = (
        "trips.record_id, trips.citizen_id, trips.dedupe_group, trips.scenario, "
        "trips.started_at, trips.ended_at"
    )
    near_claim = (
        "trips.citizen_id = claims.citizen_id AND trips.started_at >= claims.reach "
        "AND trips.started_at < claims.high AND trips.ended_at > claims.low"
    )
    if conn.dialect.name == "postgresql":
        # One array a column: the same statement whatever the count, nothing long to plan.
        # LATERAL (kept apart by OFFSET 0) makes each claim one range scan of the (citizen,
        # start) index: joined as a whole, a few citizens with many trips each led the planner
        # to hash every trip they ever made and test it against every claim.
        rows = fetch(
            conn,
            "SELECT t.* FROM unnest(%s::varchar[], %s::timestamptz[], %s::timestamptz[], "  # noqa: S608
            "%s::timestamptz[]) AS claims (citizen_id, reach, low, high) CROSS JOIN LATERAL ("
            f"SELECT {columns} FROM trips WHERE {near_claim} OFFSET 0) AS t",
            tuple(list(column) for column in zip(*near, strict=True)),
        )
    else:
        mark = parameter_mark(conn)
        values = ", ".join([f"({mark}, {mark}, {mark}, {mark})"] * len(near))
        rows = fetch(
            conn,
            f"WITH claims (citizen_id, reach, low, high) AS (VALUES {values}) "  # noqa: S608
            f"SELECT {columns} FROM claims JOIN trips ON {near_claim}",
            tuple(value for claim in near for value in claim),
        )
    return [
        Trip(record_id, citizen_id, group, scenario, read_instant(start), read_instant(end))
        for record_id, citizen_id, group, scenario, start, end in rows
    ]


def save_dedupe(conn: Connection, state: DedupeState) -> None:
    insert_rows(
        conn,
        trips,
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
    insert_rows(
        conn,
        evidence_keys,
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
        changes.new_citizens(
            [(day, region, scenario, partner) for day, region, scenario, partner, _ in fresh]
        )
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
    per_day: Counter[tuple[date, str]] = Counter(first[citizen_id] for (citizen_id,) in joined)
    upsert(
        conn,
        participant_days,
        [{"day": d, "region": r, "joined": n} for (d, r), n in per_day.items()],
        keys=("day", "region"),
        add=("joined",),
    )
