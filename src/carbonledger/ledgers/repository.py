"""SQL of the ledger views. Everything but a citizen's own entries is read from rollups (records
per day × region × scenario × partner, participants, points flow per hour), never from raw
records, so a view costs O(rollup rows) however many records there are."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from carbonledger.ingest.tables import participant_days, records, rollup_citizens, rollups
from carbonledger.points.tables import points_flow, transfers
from carbonledger.translog.tables import log_state

_COUNTS = ("accepted", "duplicate", "pending", "rejected", "reduction_mg", "points", "citizens")


def rollup_rows(
    conn: Connection,
    first: date | None,
    last: date | None,
    *,
    partner_id: str | None = None,
    region_prefix: str | None = None,
) -> list[Row[Any]]:
    """Rollup rows in [first, last], optionally for one partner or the regions under a prefix."""
    query = select(rollups)
    if first is not None:
        query = query.where(rollups.c.day >= first)
    if last is not None:
        query = query.where(rollups.c.day <= last)
    if partner_id is not None:
        query = query.where(rollups.c.partner_id == partner_id)
    if region_prefix:
        query = query.where(rollups.c.region.startswith(region_prefix, autoescape=True))
    return list(conn.execute(query))


_GROUPS = {
    "day": rollups.c.day,
    "region": rollups.c.region,
    "scenario": rollups.c.scenario,
    "partner": rollups.c.partner_id,
}


def grouped_counts(
    conn: Connection,
    by: str | None,
    first: date | None,
    last: date | None,
    region_prefix: str | None = None,
) -> list[dict[str, Any]]:
    """Rollup sums grouped in the database by `by` (day, region, scenario or partner), or one
    row of totals for None; `citizens` is summed as `citizen_days`."""
    sums = [func.coalesce(func.sum(rollups.c[name]), 0).label(name) for name in _COUNTS[:-1]]
    sums.append(func.coalesce(func.sum(rollups.c.citizens), 0).label("citizen_days"))
    query = select(*([_GROUPS[by].label(by)] if by else []), *sums)
    if first is not None:
        query = query.where(rollups.c.day >= first)
    if last is not None:
        query = query.where(rollups.c.day <= last)
    if region_prefix:
        query = query.where(rollups.c.region.startswith(region_prefix, autoescape=True))
    if by:
        query = query.group_by(_GROUPS[by]).order_by(_GROUPS[by])
    return [
        {key: (int(value) if key != by else value) for key, value in row._mapping.items()}
        for row in conn.execute(query)
    ]


def distinct_citizens(
    conn: Connection, partner_id: str, first: date, last: date
) -> dict[tuple[date, str], int]:
    """(day, scenario) → citizens credited through this partner, each counted once a day."""
    query = (
        select(
            rollup_citizens.c.day,
            rollup_citizens.c.scenario,
            func.count(func.distinct(rollup_citizens.c.citizen_id)),
        )
        .where(
            rollup_citizens.c.partner_id == partner_id,
            rollup_citizens.c.day >= first,
            rollup_citizens.c.day <= last,
        )
        .group_by(rollup_citizens.c.day, rollup_citizens.c.scenario)
    )
    return {(row[0], row[1]): int(row[2]) for row in conn.execute(query)}


def participants_joined(
    conn: Connection, last: date | None, region_prefix: str | None = None
) -> list[Row[Any]]:
    """(day, region, joined) rows up to `last`: citizens by the day of their first credit."""
    query = select(participant_days)
    if last is not None:
        query = query.where(participant_days.c.day <= last)
    if region_prefix:
        query = query.where(participant_days.c.region.startswith(region_prefix, autoescape=True))
    return list(conn.execute(query))


def flow_rows(conn: Connection, before: datetime | None = None) -> list[Row[Any]]:
    """Points moved per hour between kinds of account, up to `before`."""
    query = select(points_flow)
    if before is not None:
        query = query.where(points_flow.c.hour < before)
    return list(conn.execute(query))


def citizen_entries(
    conn: Connection, citizen_id: str, limit: int, before: str | None = None
) -> list[Row[Any]]:
    """The citizen's records, newest first, `limit` of them, older than record id `before`."""
    query = (
        select(
            records.c.id,
            records.c.partner_id,
            records.c.scenario,
            records.c.day,
            records.c.occurred_at,
            records.c.quantity_milli,
            records.c.credited_milli,
            records.c.status,
            records.c.reason,
            records.c.duplicate_of,
            records.c.reduction_mg,
            records.c.points,
            records.c.methodology,
            records.c.leaf_index,
            records.c.capped,
        )
        .where(records.c.citizen_id == citizen_id)
        .order_by(records.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(records.c.id < before)
    return list(conn.execute(query))


def citizen_totals(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    """(day, scenario, status, records, grams in mg, points) of one citizen's records."""
    query = (
        select(
            records.c.day,
            records.c.scenario,
            records.c.status,
            func.count().label("records"),
            func.coalesce(func.sum(records.c.reduction_mg), 0).label("reduction_mg"),
            func.coalesce(func.sum(records.c.points), 0).label("points"),
        )
        .where(records.c.citizen_id == citizen_id)
        .group_by(records.c.day, records.c.scenario, records.c.status)
    )
    return list(conn.execute(query))


def counts_of(row: Row[Any]) -> dict[str, int]:
    return {name: int(getattr(row, name)) for name in _COUNTS}


def change_marks(conn: Connection) -> tuple[Any, ...]:
    """The newest record id, the newest transfer id and the log's size: three index look-ups that
    move with every record received, every point moved and every credit or reversal logged."""
    row = conn.execute(
        select(
            select(func.max(records.c.id)).scalar_subquery(),
            select(func.max(transfers.c.id)).scalar_subquery(),
            select(func.max(log_state.c.size)).scalar_subquery(),
        )
    ).one()
    return tuple(row)
