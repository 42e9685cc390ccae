"""SQL of the ledger views. Everything but a citizen's own entries is read from rollups (records
per day × region × scenario × partner, participants, points flow per hour), never from raw
records, so a view costs O(rollup rows) however many records there are."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.engine import Connection, Row

from carbonledger.accounts.tables import links
from carbonledger.ingest.tables import (
    participant_days,
    records,
    reversals,
    rollup_citizens,
    rollups,
)
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


def citizens_records(citizen_id: str) -> tuple[Any, Any]:
    """The citizen's records as two FROM clauses and their conditions: those credited or
    decided for the citizen, and those of a partner account the citizen linked that were
    rejected before any citizen was known (too malformed to read, say). Two branches, each
    on its own index, rather than one OR that would scan every unattributed record."""
    own = (records, records.c.citizen_id == citizen_id)
    via_link = (
        records.join(
            links,
            and_(
                links.c.partner_id == records.c.partner_id,
                links.c.partner_user == records.c.partner_user,
            ),
        ),
        and_(links.c.citizen_id == citizen_id, records.c.citizen_id.is_(None)),
    )
    return own, via_link


def citizen_entries(
    conn: Connection, citizen_id: str, limit: int, before: str | None = None
) -> list[Row[Any]]:
    """The citizen's records (`citizens_records`) by when the behaviour happened (when it
    arrived, for a record too malformed to say), newest first, `limit` of them, after record
    `before` in that order; a reversed credit with its reversal's leaf and the points taken
    back."""
    happened = func.coalesce(records.c.occurred_at, records.c.received_at)
    cursor = None
    if before is not None:
        for source, mine in citizens_records(citizen_id):
            found = conn.execute(
                select(happened).select_from(source).where(mine, records.c.id == before)
            ).first()
            cursor = found[0] if found else cursor
        if cursor is None:
            return []
    branches = []
    for source, mine in citizens_records(citizen_id):
        branch = (
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
                reversals.c.leaf_index.label("reversal_leaf"),
                reversals.c.points_clawed_back,
                happened.label("happened"),
            )
            .select_from(source.outerjoin(reversals, reversals.c.record_id == records.c.id))
            .where(mine)
            .order_by(happened.desc(), records.c.id.desc())
            .limit(limit)
        )
        if cursor is not None:
            branch = branch.where(
                or_(happened < cursor, and_(happened == cursor, records.c.id < before))
            )
        branches.append(branch.subquery())
    merged = union_all(*(select(branch) for branch in branches)).subquery()
    query = select(merged).order_by(merged.c.happened.desc(), merged.c.id.desc()).limit(limit)
    return list(conn.execute(query))


def citizen_totals(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    """(day, scenario, status, records, grams in mg, points) of the citizen's records
    (`citizens_records`)."""
    rows: list[Row[Any]] = []
    for source, mine in citizens_records(citizen_id):
        query = (
            select(
                records.c.day,
                records.c.scenario,
                records.c.status,
                func.count().label("records"),
                func.coalesce(func.sum(records.c.reduction_mg), 0).label("reduction_mg"),
                func.coalesce(func.sum(records.c.points), 0).label("points"),
            )
            .select_from(source)
            .where(mine)
            .group_by(records.c.day, records.c.scenario, records.c.status)
        )
        rows.extend(conn.execute(query))
    return rows


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
