"""SQL of the registry: accounts, the serial ranges each holds, unit moves, retirements and
the cover of reversed credits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Row

from carbonledger.db import insert_ignore
from carbonledger.market.tables import (
    market_accounts,
    market_cover,
    market_holdings,
    market_moves,
    market_retirements,
)
from carbonledger.market.units import Span

ISSUANCE = "issuance"
POOL = "pool"
BUFFER = "buffer"
RETIRED = "retired"
CANCELLED = "cancelled"
SYSTEM_ACCOUNTS = (
    (ISSUANCE, "issuance", "Units issued"),
    (POOL, "pool", "City pool"),
    (BUFFER, "buffer", "Buffer for reversals"),
    (RETIRED, "retired", "Retired units"),
    (CANCELLED, "cancelled", "Cancelled to cover reversals"),
)


def ensure_system_accounts(conn: Connection, now: datetime) -> None:
    insert_ignore(
        conn,
        market_accounts,
        [
            {"id": id_, "kind": kind, "name": name, "created_at": now}
            for id_, kind, name in SYSTEM_ACCOUNTS
        ],
    )


def lock_market(conn: Connection) -> None:
    """Serialise the market's numbering and issue (the issuance account's row)."""
    conn.execute(
        select(market_accounts.c.id).where(market_accounts.c.id == ISSUANCE).with_for_update()
    ).first()


def lock_account(conn: Connection, account: str) -> Row[Any] | None:
    return conn.execute(
        select(market_accounts).where(market_accounts.c.id == account).with_for_update()
    ).first()


def account(conn: Connection, account_id: str) -> Row[Any] | None:
    return conn.execute(select(market_accounts).where(market_accounts.c.id == account_id)).first()


def accounts(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(market_accounts).order_by(market_accounts.c.id)))


def insert_account(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(market_accounts), row)


# Holdings and moves


def holdings(conn: Connection, number: int, account_id: str, *, lock: bool = False) -> list[Span]:
    query = (
        select(market_holdings.c.first, market_holdings.c.last)
        .where(market_holdings.c.lot == number, market_holdings.c.account == account_id)
        .order_by(market_holdings.c.first)
    )
    rows = conn.execute(query.with_for_update() if lock else query)
    return [Span(int(row.first), int(row.last)) for row in rows]


def all_holdings(conn: Connection, number: int | None = None) -> list[Row[Any]]:
    query = select(market_holdings).order_by(market_holdings.c.lot, market_holdings.c.first)
    if number is not None:
        query = query.where(market_holdings.c.lot == number)
    return list(conn.execute(query))


def replace_holdings(
    conn: Connection,
    number: int,
    account_id: str,
    left: Sequence[Span],
    moved: Sequence[Span],
    to: str,
    retirement: str | None = None,
) -> None:
    """Rewrite `account_id`'s ranges of the lot as `left` and add `moved` under `to`."""
    conn.execute(
        delete(market_holdings).where(
            market_holdings.c.lot == number, market_holdings.c.account == account_id
        )
    )
    rows = [
        {"lot": number, "first": s.first, "last": s.last, "account": account_id, "retirement": None}
        for s in left
    ] + [
        {"lot": number, "first": s.first, "last": s.last, "account": to, "retirement": retirement}
        for s in moved
    ]
    if rows:
        conn.execute(insert(market_holdings), rows)


def add_holdings(conn: Connection, number: int, account_id: str, spans: Sequence[Span]) -> None:
    conn.execute(
        insert(market_holdings),
        [{"lot": number, "first": s.first, "last": s.last, "account": account_id} for s in spans],
    )


def insert_move(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(market_moves), row)


def moves(conn: Connection, number: int | None = None) -> list[Row[Any]]:
    query = select(market_moves).order_by(market_moves.c.at, market_moves.c.id)
    if number is not None:
        query = query.where(market_moves.c.lot == number)
    return list(conn.execute(query))


def unit_balances(conn: Connection) -> dict[str, int]:
    """Each account's units by its moves: credits in minus debits out."""
    totals: dict[str, int] = {}
    for column, sign in ((market_moves.c.credit, 1), (market_moves.c.debit, -1)):
        for account_id, units in conn.execute(
            select(column, func.sum(market_moves.c.units)).group_by(column)
        ):
            totals[account_id] = totals.get(account_id, 0) + sign * int(units)
    return totals


def held_units(conn: Connection) -> dict[str, int]:
    """Each account's units by its holdings."""
    rows = conn.execute(
        select(
            market_holdings.c.account,
            func.sum(market_holdings.c.last - market_holdings.c.first + 1),
        ).group_by(market_holdings.c.account)
    )
    return {account_id: int(units) for account_id, units in rows}


# Retirements and cover


def insert_retirement(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(market_retirements), row)


def retirement(conn: Connection, retirement_id: str) -> Row[Any] | None:
    return conn.execute(
        select(market_retirements).where(market_retirements.c.id == retirement_id)
    ).first()


def retirements(conn: Connection, number: int | None = None) -> list[Row[Any]]:
    query = select(market_retirements).order_by(market_retirements.c.retired_at.desc())
    if number is not None:
        query = query.where(market_retirements.c.lot == number)
    return list(conn.execute(query))


def insert_cover(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(market_cover), row)


def covers(conn: Connection, number: int | None = None) -> list[Row[Any]]:
    query = select(market_cover).order_by(market_cover.c.leaf_index)
    if number is not None:
        query = query.where(market_cover.c.lot == number)
    return list(conn.execute(query))


def cover_of(conn: Connection, leaf_index: int) -> Row[Any] | None:
    return conn.execute(select(market_cover).where(market_cover.c.leaf_index == leaf_index)).first()
