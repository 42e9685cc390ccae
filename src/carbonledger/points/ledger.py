"""Posting transfers to the database: rows in `transfers`, balances on `point_accounts`.
Services call this inside the entry point's transaction; the database's CHECK constraint is the
last guard against a negative citizen or merchant balance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from carbonledger.db import add_to_rows, insert_ignore, insert_rows, select_in, upsert
from carbonledger.errors import Conflict, InsufficientPoints
from carbonledger.ids import ulids
from carbonledger.points.postings import (
    EXPIRED,
    ISSUANCE,
    Transfer,
    balance_changes,
    citizen_account,
    flow,
    same_transfer,
)
from carbonledger.points.tables import point_accounts, points_flow, transfers


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
    """The city's issuance account (its negative balance is the points it put into circulation)
    and the account expired points go to."""
    open_accounts(conn, [(ISSUANCE, "issuance")], now, allow_negative=True)
    open_accounts(conn, [(EXPIRED, "expired")], now)


def _stored(conn: Connection, keys: Sequence[str]) -> dict[str, Transfer]:
    names = (
        "idempotency_key",
        "kind",
        "debit",
        "credit",
        "amount",
        "leaf_index",
        "record_id",
        "ref",
        "memo",
    )
    rows = select_in(conn, transfers, names, {"idempotency_key": keys})
    return {row[0]: Transfer(**dict(zip(names, row, strict=True))) for row in rows}


def post(conn: Connection, batch: Sequence[Transfer], now: datetime) -> bool:
    """Write the transfers and apply their balance changes, all or nothing, in the caller's
    transaction; True when they were written.

    A retry (every transfer already stored under its idempotency key, with the same content)
    writes nothing and returns False. A key stored with other content, or a retry that repeats
    only some of the transfers, raises Conflict `idempotency_key_reused`. A change that would take
    an account not allowed to go negative below zero raises InsufficientPoints; the caller's
    transaction must then be rolled back, as the entry point does on any error.
    """
    if not batch:
        return False
    stored = _stored(conn, [t.idempotency_key for t in batch])
    if stored:
        differing = sorted(
            t.idempotency_key
            for t in batch
            if t.idempotency_key not in stored or not same_transfer(stored[t.idempotency_key], t)
        )
        if differing:
            raise Conflict(
                f"idempotency key(s) {', '.join(differing)} were used before for another "
                "movement; a retry must repeat the request exactly, a new request needs a new key",
                code="idempotency_key_reused",
            )
        return False
    insert_rows(
        conn,
        transfers,
        [
            {
                "id": transfer_id,
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
            for t, transfer_id in zip(batch, ulids(now, len(batch)), strict=True)
        ],
    )
    _apply(conn, balance_changes(batch))
    # Each in the hour of what it is for (a credit's behaviour), else of its posting.
    hours: dict[int, list[Transfer]] = {}
    for t in batch:
        hours.setdefault(int((t.at or now).timestamp()) // 3600, []).append(t)
    upsert(
        conn,
        points_flow,
        [
            {
                "hour": datetime.fromtimestamp(hour * 3600, UTC),
                "debit_kind": d,
                "credit_kind": c,
                "transfers": n,
                "amount": amount,
            }
            for hour, moved in sorted(hours.items())
            for (d, c), (n, amount) in flow(moved).items()
        ],
        keys=("hour", "debit_kind", "credit_kind"),
        add=("transfers", "amount"),
    )
    return True


def _apply(conn: Connection, changes: dict[str, int]) -> None:
    """Apply balance changes in account order (so concurrent transactions lock rows in the same
    order); a decrease is guarded so that it fails rather than take a protected account below 0.
    The CHECK constraint on the table stays the last guard."""
    increased = [account for account, change in sorted(changes.items()) if change > 0]
    if increased:
        done = add_to_rows(
            conn, point_accounts, "id", "balance", [(a, changes[a]) for a in increased]
        )
        if done != len(increased):
            missing = _missing(conn, increased)
            raise LookupError(f"no point account {', '.join(missing)}; open it before posting")
    for account, change in sorted(changes.items()):
        if change >= 0:
            continue
        done = conn.execute(
            update(point_accounts)
            .where(
                point_accounts.c.id == account,
                point_accounts.c.allow_negative | (point_accounts.c.balance + change >= 0),
            )
            .values(balance=point_accounts.c.balance + change)
        ).rowcount
        if done != 1:
            if _missing(conn, [account]):
                raise LookupError(f"no point account {account}; open it before posting")
            raise InsufficientPoints(
                f"account {account} holds {balance(conn, account)} points, "
                f"{-change} are needed; nothing was moved"
            )


def _missing(conn: Connection, accounts: Sequence[str]) -> list[str]:
    found = set(
        conn.execute(select(point_accounts.c.id).where(point_accounts.c.id.in_(accounts))).scalars()
    )
    return sorted(set(accounts) - found)


def balance(conn: Connection, account: str) -> int:
    value: int | None = conn.execute(
        select(point_accounts.c.balance).where(point_accounts.c.id == account)
    ).scalar()
    return value or 0
