"""Posting transfers to the database: rows in `transfers`, balances on `point_accounts`.
Services call this inside the entry point's transaction; the database's CHECK constraint is the
last guard against a negative citizen or merchant balance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from carbonledger.db import insert_ignore
from carbonledger.ids import ulid
from carbonledger.points.postings import ISSUANCE, Transfer, balance_changes, citizen_account
from carbonledger.points.tables import point_accounts, transfers


def open_accounts(
    conn: Connection,
    accounts: Sequence[tuple[str, str]],
    now: datetime,
    *,
    allow_negative: bool = False,
) -> None:
    """Create (id, kind) accounts with a zero balance unless they exist."""
    rows = [
        {
            "id": account,
            "kind": kind,
            "allow_negative": allow_negative,
            "balance": 0,
            "created_at": now,
        }
        for account, kind in accounts
    ]
    insert_ignore(conn, point_accounts, rows)


def open_citizen_account(conn: Connection, citizen_id: str, now: datetime) -> None:
    open_accounts(conn, [(citizen_account(citizen_id), "citizen")], now)


def open_system_accounts(conn: Connection, now: datetime) -> None:
    """The city's issuance account: its negative balance is the points in circulation."""
    open_accounts(conn, [(ISSUANCE, "issuance")], now, allow_negative=True)


def post(conn: Connection, batch: Sequence[Transfer], now: datetime) -> None:
    """Write the transfers and apply their balance changes, all in the caller's transaction."""
    if not batch:
        return
    conn.execute(
        transfers.insert(),
        [
            {
                "id": ulid(now),
                "idempotency_key": t.idempotency_key,
                "kind": t.kind,
                "debit": t.debit,
                "credit": t.credit,
                "amount": t.amount,
                "leaf_index": t.leaf_index,
                "record_id": t.record_id,
                "ref": t.ref,
                "memo": t.memo,
                "created_at": now,
            }
            for t in batch
        ],
    )
    changes = [
        {"account": account, "change": change}
        for account, change in balance_changes(batch).items()
        if change
    ]
    conn.execute(
        update(point_accounts)
        .where(point_accounts.c.id == bindparam("account"))
        .values(balance=point_accounts.c.balance + bindparam("change")),
        changes,
    )


def balance(conn: Connection, account: str) -> int:
    value: int | None = conn.execute(
        select(point_accounts.c.balance).where(point_accounts.c.id == account)
    ).scalar()
    return value or 0
