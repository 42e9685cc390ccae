"""SQL of the review queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.db import insert_ignore
from carbonledger.ingest.tables import records
from carbonledger.review.tables import review_flags


def insert_flags(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    insert_ignore(conn, review_flags, rows)


def flag(conn: Connection, record_id: str) -> Row[Any] | None:
    return conn.execute(select(review_flags).where(review_flags.c.record_id == record_id)).first()


def add_to_open_flag(conn: Connection, record_id: str, reasons: str, detail: str) -> None:
    conn.execute(
        update(review_flags)
        .where(review_flags.c.record_id == record_id)
        .values(reasons=reasons, detail=detail)
    )


def decide(
    conn: Connection, record_id: str, status: str, operator_id: str, note: str, now: datetime
) -> bool:
    """Close an open flag; False when there is none."""
    result = conn.execute(
        update(review_flags)
        .where(review_flags.c.record_id == record_id, review_flags.c.status == "open")
        .values(status=status, decided_by=operator_id, decided_at=now, note=note)
    )
    return result.rowcount == 1


def flags(conn: Connection, status: str, limit: int, offset: int) -> list[Row[Any]]:
    """Flags with the credit they are about, most recently flagged first."""
    query = (
        select(
            review_flags,
            records.c.partner_id,
            records.c.citizen_id,
            records.c.scenario,
            records.c.day,
            records.c.region,
            records.c.occurred_at,
            records.c.ended_at,
            records.c.quantity_milli,
            records.c.credited_milli,
            records.c.reduction_mg,
            records.c.points,
            records.c.methodology,
            records.c.leaf_index,
            records.c.status.label("record_status"),
        )
        .join(records, records.c.id == review_flags.c.record_id)
        .where(review_flags.c.status == status)
        .order_by(review_flags.c.flagged_at.desc(), review_flags.c.record_id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(conn.execute(query))


def counts(conn: Connection) -> list[Row[Any]]:
    """(status, reasons, flags) for every combination present."""
    query = select(
        review_flags.c.status, review_flags.c.reasons, func.count().label("flags")
    ).group_by(review_flags.c.status, review_flags.c.reasons)
    return list(conn.execute(query))
