"""SQL of rewards and redemptions: the catalogue, stock taken and returned by conditional
updates, redemption state changes that happen once, row locks in a fixed order, settlement."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.accounts.tables import partners
from carbonledger.db import insert_if_new
from carbonledger.points.tables import point_accounts
from carbonledger.rewards.rules import RewardStatus, State
from carbonledger.rewards.tables import redemptions, rewards

_REDEMPTION_VIEW = (
    *redemptions.c,
    rewards.c.kind,
    rewards.c.name_zh,
    rewards.c.name_en,
)


def lock_accounts(conn: Connection, accounts: Iterable[str]) -> dict[str, int]:
    """Lock point accounts in id order before anything else is locked or posted; return their
    balances, which stay exact until the transaction ends.

    Every redemption path locks in one order: citizen accounts, redemption rows, reward rows,
    then `ledger.post` (merchant, then `reserved`). Two transactions on PostgreSQL therefore
    never wait for each other in a circle. SQLite has one writer and ignores FOR UPDATE.
    """
    rows = conn.execute(
        select(point_accounts.c.id, point_accounts.c.balance)
        .where(point_accounts.c.id.in_(sorted(set(accounts))))
        .order_by(point_accounts.c.id)
        .with_for_update()
    )
    return {row.id: row.balance for row in rows}


# Rewards


def insert_reward(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(rewards.insert(), row)


def reward(conn: Connection, reward_id: str, *, lock: bool = False) -> Row[Any] | None:
    query = select(rewards).where(rewards.c.id == reward_id)
    return conn.execute(query.with_for_update() if lock else query).first()


def offer(conn: Connection, reward_id: str) -> Row[Any] | None:
    """A reward with its merchant's status (`merchant_status`)."""
    return conn.execute(
        select(rewards, partners.c.status.label("merchant_status"))
        .join(partners, partners.c.id == rewards.c.partner_id)
        .where(rewards.c.id == reward_id)
    ).first()


def update_reward(conn: Connection, reward_id: str, values: dict[str, Any]) -> Row[Any]:
    """Set terms under the row's lock; return the reward as it now stands."""
    return conn.execute(
        update(rewards).where(rewards.c.id == reward_id).values(**values).returning(*rewards.c)
    ).one()


def catalogue(conn: Connection, now: datetime, kind: str | None = None) -> list[Row[Any]]:
    """Rewards a citizen can redeem at `now`: active, valid, in stock, merchant active."""
    query = (
        select(rewards)
        .join(partners, partners.c.id == rewards.c.partner_id)
        .where(
            rewards.c.status == RewardStatus.ACTIVE,
            rewards.c.stock > 0,
            rewards.c.valid_from <= now,
            rewards.c.valid_until > now,
            partners.c.status == "active",
        )
        .order_by(rewards.c.kind, rewards.c.price, rewards.c.id)
    )
    if kind is not None:
        query = query.where(rewards.c.kind == kind)
    return list(conn.execute(query))


def listed(
    conn: Connection, *, partner_id: str | None = None, status: str | None = None
) -> list[Row[Any]]:
    """Rewards in any status, newest first, optionally of one merchant or one status."""
    query = select(rewards).order_by(rewards.c.created_at.desc(), rewards.c.id.desc())
    if partner_id is not None:
        query = query.where(rewards.c.partner_id == partner_id)
    if status is not None:
        query = query.where(rewards.c.status == status)
    return list(conn.execute(query))


def redemption_counts(conn: Connection, reward_ids: Sequence[str]) -> dict[str, Counter[str]]:
    """reward id → redemptions per state."""
    counts: dict[str, Counter[str]] = {reward_id: Counter() for reward_id in reward_ids}
    if not reward_ids:
        return counts
    rows = conn.execute(
        select(redemptions.c.reward_id, redemptions.c.state, func.count())
        .where(redemptions.c.reward_id.in_(list(reward_ids)))
        .group_by(redemptions.c.reward_id, redemptions.c.state)
    )
    for reward_id, state, count in rows:
        counts[reward_id][state] = count
    return counts


def take_item(conn: Connection, reward_id: str) -> bool:
    """Take one item if one is left and the reward is active; False otherwise. The condition is
    evaluated on the locked row, so of two requests for the last item exactly one gets it."""
    result = conn.execute(
        update(rewards)
        .where(
            rewards.c.id == reward_id,
            rewards.c.stock > 0,
            rewards.c.status == RewardStatus.ACTIVE,
        )
        .values(stock=rewards.c.stock - 1)
    )
    return result.rowcount == 1


def return_items(conn: Connection, reward_ids: Iterable[str]) -> None:
    """Put one item back per id given, rewards in id order (the lock order)."""
    for reward_id, count in sorted(Counter(reward_ids).items()):
        conn.execute(
            update(rewards).where(rewards.c.id == reward_id).values(stock=rewards.c.stock + count)
        )


# Redemptions


def insert_redemption(conn: Connection, row: dict[str, Any]) -> bool:
    """False when the voucher code is taken already (the caller draws another)."""
    return insert_if_new(conn, redemptions, row)


def redemption(conn: Connection, **equal: Any) -> Row[Any] | None:
    """One redemption with its reward's kind and names, found by equal column values."""
    query = select(*_REDEMPTION_VIEW).join(rewards, rewards.c.id == redemptions.c.reward_id)
    for column, value in equal.items():
        query = query.where(redemptions.c[column] == value)
    return conn.execute(query).first()


def redemptions_of(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(*_REDEMPTION_VIEW)
            .join(rewards, rewards.c.id == redemptions.c.reward_id)
            .where(redemptions.c.citizen_id == citizen_id)
            .order_by(redemptions.c.created_at.desc(), redemptions.c.id.desc())
        )
    )


def held_count(conn: Connection, reward_id: str, citizen_id: str) -> int:
    """Redemptions of a reward by a citizen that count against the limit (all but voided)."""
    count: int = conn.execute(
        select(func.count())
        .select_from(redemptions)
        .where(
            redemptions.c.reward_id == reward_id,
            redemptions.c.citizen_id == citizen_id,
            redemptions.c.state != State.VOIDED,
        )
    ).scalar_one()
    return count


def leave_reserved(conn: Connection, ids: Sequence[str], values: dict[str, Any]) -> list[Row[Any]]:
    """Move the redemptions still `reserved` to the state in `values`; return those moved. A
    redemption another transaction moved first is left out, so each moves exactly once."""
    if not ids:
        return []
    return list(
        conn.execute(
            update(redemptions)
            .where(redemptions.c.id.in_(list(ids)), redemptions.c.state == State.RESERVED)
            .values(**values)
            .returning(*redemptions.c)
        )
    )


def due_for_expiry(conn: Connection, now: datetime, limit: int) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(redemptions)
            .where(redemptions.c.state == State.RESERVED, redemptions.c.expires_at <= now)
            .order_by(redemptions.c.expires_at, redemptions.c.id)
            .limit(limit)
        )
    )


def settlement_lines(conn: Connection, partner_id: str, first: date, last: date) -> list[Row[Any]]:
    """Confirmed vouchers of a merchant per local day and reward: count and points."""
    return list(
        conn.execute(
            select(
                redemptions.c.confirmed_day.label("day"),
                redemptions.c.reward_id,
                rewards.c.kind,
                rewards.c.name_zh,
                rewards.c.name_en,
                func.count().label("confirmed"),
                func.sum(redemptions.c.points).label("points"),
            )
            .join(rewards, rewards.c.id == redemptions.c.reward_id)
            .where(
                redemptions.c.partner_id == partner_id,
                redemptions.c.state == State.CONFIRMED,
                redemptions.c.confirmed_day >= first,
                redemptions.c.confirmed_day <= last,
            )
            .group_by(
                redemptions.c.confirmed_day,
                redemptions.c.reward_id,
                rewards.c.kind,
                rewards.c.name_zh,
                rewards.c.name_en,
            )
            .order_by(redemptions.c.confirmed_day, redemptions.c.reward_id)
        )
    )
