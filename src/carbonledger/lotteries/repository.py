"""SQL of lotteries: the lottery row (locked while a step changes it), prizes, entries, winners,
and the credited records of a scenario inside an entry window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, func, or_, select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.accounts.tables import citizens
from carbonledger.ingest.results import Status
from carbonledger.ingest.tables import records
from carbonledger.lotteries.tables import (
    lotteries,
    lottery_entries,
    lottery_prizes,
    lottery_winners,
)


def insert_lottery(conn: Connection, row: dict[str, Any], prizes: Sequence[dict[str, Any]]) -> None:
    conn.execute(lotteries.insert(), row)
    conn.execute(lottery_prizes.insert(), list(prizes))


def lottery(conn: Connection, lottery_id: str, *, lock: bool = False) -> Row[Any] | None:
    """The lottery row; with `lock`, held until the transaction ends, so that a purchase and
    the close (or two closes) are serialised on PostgreSQL as the writer lock does on SQLite."""
    query = select(lotteries).where(lotteries.c.id == lottery_id)
    return conn.execute(query.with_for_update() if lock else query).first()


def set_lottery(conn: Connection, lottery_id: str, **values: Any) -> None:
    conn.execute(update(lotteries).where(lotteries.c.id == lottery_id).values(**values))


def _rows(conn: Connection, table: Table, where: ColumnElement[bool], order: str) -> list[Row[Any]]:
    return list(conn.execute(select(table).where(where).order_by(table.c[order])))


def _insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(table.insert(), list(rows))


def prizes(conn: Connection, lottery_id: str) -> list[Row[Any]]:
    """The prizes in their published order."""
    return _rows(conn, lottery_prizes, lottery_prizes.c.lottery_id == lottery_id, "position")


def insert_entries(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    _insert(conn, lottery_entries, rows)


def entries(conn: Connection, lottery_id: str, citizen_id: str | None = None) -> list[Row[Any]]:
    """The entries of a lottery (or of one citizen in it), in canonical order."""
    query = select(lottery_entries).where(lottery_entries.c.lottery_id == lottery_id)
    if citizen_id is not None:
        query = query.where(lottery_entries.c.citizen_id == citizen_id)
    return list(conn.execute(query.order_by(lottery_entries.c.entry_id)))


def purchased(conn: Connection, purchase_key: str) -> list[Row[Any]]:
    """The entries one purchase bought."""
    return _rows(conn, lottery_entries, lottery_entries.c.purchase_key == purchase_key, "entry_id")


def insert_winners(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    _insert(conn, lottery_winners, rows)


def winners(conn: Connection, lottery_id: str) -> list[Row[Any]]:
    """The winners in slot order."""
    return _rows(conn, lottery_winners, lottery_winners.c.lottery_id == lottery_id, "slot")


def credited_in_window(
    conn: Connection, scenario: str, opens_at: datetime, closes_at: datetime
) -> list[Row[Any]]:
    """(record id, citizen id, local day, pseudonym key) of every credited record of `scenario`
    that occurred inside [opens_at, closes_at), by time. A reversed record is no longer
    credited; a deleted citizen has no pseudonym key and so earns nothing."""
    return list(
        conn.execute(
            select(records.c.id, records.c.citizen_id, records.c.day, citizens.c.pseudonym_key)
            .join(citizens, citizens.c.id == records.c.citizen_id)
            .where(
                records.c.scenario == scenario,
                records.c.status == Status.ACCEPTED.value,
                records.c.occurred_at >= opens_at,
                records.c.occurred_at < closes_at,
                citizens.c.pseudonym_key.is_not(None),
            )
            .order_by(records.c.occurred_at, records.c.id)
        )
    )


def due(conn: Connection, now: datetime) -> tuple[list[str], list[str]]:
    """(open lotteries whose entries should close, closed lotteries waiting for their draw)."""
    rows = conn.execute(
        select(lotteries.c.id, lotteries.c.status)
        .where(
            or_(
                (lotteries.c.status == "open") & (lotteries.c.closes_at <= now),
                lotteries.c.status == "closed",
            )
        )
        .order_by(lotteries.c.closes_at, lotteries.c.id)
    )
    found: dict[str, list[str]] = {"open": [], "closed": []}
    for row in rows:
        found[row.status].append(row.id)
    return found["open"], found["closed"]


def visible_to(conn: Connection, citizen_id: str, now: datetime) -> list[Row[Any]]:
    """Lotteries open for entries now, and every lottery the citizen holds entries in, each with
    the citizen's entry count, newest first."""
    mine = (
        select(lottery_entries.c.lottery_id, func.count().label("my_entries"))
        .where(lottery_entries.c.citizen_id == citizen_id)
        .group_by(lottery_entries.c.lottery_id)
        .subquery()
    )
    return list(
        conn.execute(
            select(lotteries, func.coalesce(mine.c.my_entries, 0).label("my_entries"))
            .outerjoin(mine, mine.c.lottery_id == lotteries.c.id)
            .where(
                or_(
                    mine.c.my_entries.is_not(None),
                    (lotteries.c.status == "open")
                    & (lotteries.c.opens_at <= now)
                    & (lotteries.c.closes_at > now),
                )
            )
            .order_by(lotteries.c.closes_at.desc(), lotteries.c.id)
        )
    )
