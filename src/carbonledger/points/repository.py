"""SQL of the points ledger's read side: balances and movements for reconciliation."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from carbonledger.points.postings import ISSUANCE
from carbonledger.points.tables import point_accounts, transfers


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
