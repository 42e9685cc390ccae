"""SQL of the points ledger's read side (balances and movements for reconciliation, a citizen's
statement, the expiry job's figures) and of the award rules and the points awarded per day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Connection, Row

from carbonledger.db import insert_if_new, select_in, select_keys, upsert
from carbonledger.points.expiry import REFUND_SOURCES
from carbonledger.points.postings import ISSUANCE
from carbonledger.points.rules import AwardRules, RulesVersion
from carbonledger.points.tables import (
    award_rules,
    citizen_day_points,
    expiry_runs,
    point_accounts,
    transfers,
)


def balances(conn: Connection) -> dict[str, tuple[int, bool]]:
    """account → (balance, may go negative)."""
    rows = conn.execute(
        select(point_accounts.c.id, point_accounts.c.balance, point_accounts.c.allow_negative)
    )
    return {row.id: (row.balance, row.allow_negative) for row in rows}


def net_movements(conn: Connection) -> dict[str, int]:
    """account → credits minus debits over every transfer."""
    net: dict[str, int] = {}
    for row in conn.execute(
        select(transfers.c.credit, func.sum(transfers.c.amount)).group_by(transfers.c.credit)
    ):
        net[row[0]] = net.get(row[0], 0) + int(row[1])
    for row in conn.execute(
        select(transfers.c.debit, func.sum(transfers.c.amount)).group_by(transfers.c.debit)
    ):
        net[row[0]] = net.get(row[0], 0) - int(row[1])
    return net


def log_transfers_without_leaf(conn: Connection, kinds: Sequence[str]) -> int:
    count: int = conn.execute(
        select(func.count())
        .select_from(transfers)
        .where(transfers.c.kind.in_(kinds), transfers.c.leaf_index.is_(None))
    ).scalar_one()
    return count


def issued_below_leaf(conn: Connection, size: int) -> int:
    """Points the issuance account gave out (less what it took back) for leaves below `size`."""
    signed = case((transfers.c.debit == ISSUANCE, transfers.c.amount), else_=-transfers.c.amount)
    total: int | None = conn.execute(
        select(func.sum(signed)).where(
            transfers.c.leaf_index.is_not(None),
            transfers.c.leaf_index < size,
            (transfers.c.debit == ISSUANCE) | (transfers.c.credit == ISSUANCE),
        )
    ).scalar()
    return int(total or 0)


def transfers_by_key(conn: Connection, keys: Sequence[str]) -> list[Row[Any]]:
    return list(conn.execute(select(transfers).where(transfers.c.idempotency_key.in_(keys))))


def kind_totals(conn: Connection) -> dict[str, int]:
    """Transfer kind → points moved by transfers of that kind."""
    rows = conn.execute(
        select(transfers.c.kind, func.sum(transfers.c.amount)).group_by(transfers.c.kind)
    )
    return {row[0]: int(row[1]) for row in rows}


def balances_of(conn: Connection, accounts: Iterable[str]) -> dict[str, int]:
    """account → balance, for the accounts that exist among `accounts`."""
    rows = select_in(conn, point_accounts, ("id", "balance"), {"id": set(accounts)})
    return dict(rows)


def account_exists(conn: Connection, account: str) -> bool:
    found = conn.execute(select(point_accounts.c.id).where(point_accounts.c.id == account))
    return found.first() is not None


# Award rules


def _version(row: Any) -> RulesVersion:
    return RulesVersion(AwardRules(row.mg_per_point, row.daily_cap), row.set_at, row.set_by)


def rules_versions(conn: Connection, limit: int) -> list[RulesVersion]:
    """The newest `limit` versions of the award rules, newest first."""
    rows = conn.execute(select(award_rules).order_by(award_rules.c.id.desc()).limit(limit))
    return [_version(row) for row in rows]


def insert_rules(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(award_rules.insert(), row)


# Points awarded per citizen and local day


def day_points(
    conn: Connection, citizen_ids: Iterable[str], days: Iterable[date]
) -> dict[tuple[str, date], int]:
    """(citizen, day) → credit points awarded, for the (citizen, day) pairs given, zipped
    (batch-sized)."""
    rows = select_keys(
        conn,
        citizen_day_points,
        ("citizen_id", "day", "points"),
        ("citizen_id", "day"),
        list(zip(citizen_ids, days, strict=True)),
    )
    return {(citizen_id, day): points for citizen_id, day, points in rows}


def add_day_points(conn: Connection, added: dict[tuple[str, date], int]) -> None:
    upsert(
        conn,
        citizen_day_points,
        [{"citizen_id": c, "day": d, "points": p} for (c, d), p in added.items() if p],
        keys=("citizen_id", "day"),
        add=("points",),
    )


# A citizen's statement and the expiry job


def movements(conn: Connection, account: str, limit: int | None) -> list[Row[Any]]:
    """The newest `limit` transfers in or out of `account` (all when None), newest first."""
    return list(
        conn.execute(
            select(transfers)
            .where(or_(transfers.c.debit == account, transfers.c.credit == account))
            .order_by(transfers.c.created_at.desc(), transfers.c.id.desc())
            .limit(limit)
        )
    )


def accounts_holding_since(conn: Connection, prefix: str, before: datetime) -> list[str]:
    """Accounts named `prefix…` with a positive balance opened before `before`: only they can
    hold points posted before it."""
    rows = conn.execute(
        select(point_accounts.c.id)
        .where(
            point_accounts.c.id.startswith(prefix, autoescape=True),
            point_accounts.c.balance > 0,
            point_accounts.c.created_at < before,
        )
        .order_by(point_accounts.c.id)
    )
    return list(rows.scalars())


def lock_accounts(conn: Connection, accounts: Sequence[str]) -> None:
    """Hold the accounts' rows until the transaction ends (PostgreSQL; SQLite's writer lock
    already serialises), in id order like every posting, so concurrent jobs cannot interleave."""
    if accounts:
        conn.execute(
            select(point_accounts.c.id)
            .where(point_accounts.c.id.in_(list(accounts)))
            .order_by(point_accounts.c.id)
            .with_for_update()
        ).all()


def flows(
    conn: Connection, accounts: Sequence[str], zone: ZoneInfo, years: range
) -> tuple[dict[str, dict[int, int]], dict[str, int]]:
    """For each account: points earned per local calendar year (inflows other than refunds; any
    before `years` count in its first year, any after in its last), and the outflows net of
    refunds (expiry.py says why)."""
    starts = [(datetime(year + 1, 1, 1, tzinfo=zone), year) for year in years[:-1]]
    year_of = case(
        *((transfers.c.created_at < start, year) for start, year in starts), else_=years[-1]
    )
    earned: dict[str, dict[int, int]] = {account: {} for account in accounts}
    net_out: dict[str, int] = dict.fromkeys(accounts, 0)
    if not accounts:
        return earned, net_out
    refund = transfers.c.debit.in_(REFUND_SOURCES)
    rows = conn.execute(
        select(transfers.c.credit, year_of.label("year"), func.sum(transfers.c.amount))
        .where(transfers.c.credit.in_(list(accounts)), ~refund)
        .group_by(transfers.c.credit, year_of)
    )
    for account, year, points in rows:
        earned[account][int(year)] = int(points)
    for account, points in conn.execute(
        select(transfers.c.debit, func.sum(transfers.c.amount))
        .where(transfers.c.debit.in_(list(accounts)))
        .group_by(transfers.c.debit)
    ):
        net_out[account] += int(points)
    for account, points in conn.execute(
        select(transfers.c.credit, func.sum(transfers.c.amount))
        .where(transfers.c.credit.in_(list(accounts)), refund)
        .group_by(transfers.c.credit)
    ):
        net_out[account] -= int(points)
    return earned, net_out


def claim_expiry_day(conn: Connection, day: date, now: datetime) -> bool:
    """Mark `day`'s expiry run as taken; False if a run of that day exists (or is under way)."""
    return insert_if_new(conn, expiry_runs, {"day": day, "citizens": 0, "points": 0, "ran_at": now})


def add_to_expiry_run(
    conn: Connection, day: date, citizens: int, points: int, now: datetime
) -> None:
    upsert(
        conn,
        expiry_runs,
        [{"day": day, "citizens": citizens, "points": points, "ran_at": now}],
        keys=("day",),
        add=("citizens", "points"),
        replace=("ran_at",),
    )
