"""Points a citizen owes after a reversal. A reversal takes back what the citizen's balance
holds (a balance never goes negative); the rest of what the reversed credit paid is recorded
here as owed, and taken from the citizen's next awards (to issuance, as a clawback's base goes)
until nothing is owed. The citizen's statement shows what is owed, and `reconcile` counts it.
Services take the caller's connection and never commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from carbonledger import db
from carbonledger.ids import ulid
from carbonledger.points import ledger
from carbonledger.points.postings import ISSUANCE, Transfer, citizen_account
from carbonledger.points.tables import point_debts

RECOVERY = "debt_recovery"


def owe(conn: Connection, citizen_id: str, points: int, now: datetime) -> None:
    """Record that `citizen_id` owes `points` more."""
    if points > 0:
        row = {"citizen_id": citizen_id, "owed": points, "updated_at": now}
        db.upsert(
            conn, point_debts, [row], keys=["citizen_id"], add=["owed"], replace=["updated_at"]
        )


def owed(conn: Connection, citizen_id: str) -> int:
    """What the citizen owes now."""
    found = conn.execute(
        select(point_debts.c.owed).where(point_debts.c.citizen_id == citizen_id)
    ).scalar()
    return int(found or 0)


def total_owed(conn: Connection) -> tuple[int, int]:
    """(citizens who owe, points owed) over the whole platform."""
    row = conn.execute(
        select(func.count(), func.sum(point_debts.c.owed)).where(point_debts.c.owed > 0)
    ).one()
    return int(row[0]), int(row[1] or 0)


def recover(conn: Connection, citizen_ids: Iterable[str], now: datetime) -> int:
    """Take what the citizens owe from their balances (after their awards were posted), as far
    as each balance allows; the points recovered."""
    wanted = sorted(set(citizen_ids))
    if not wanted:
        return 0
    # Read on every batch of credits, for every citizen awarded: one driver-level statement.
    found = db.select_in(conn, point_debts, ("citizen_id", "owed"), {"citizen_id": wanted})
    debts = sorted((citizen_id, owed) for citizen_id, owed in found if owed > 0)
    moves, recovered = [], 0
    for citizen_id, debt in debts:
        taken = min(int(debt), ledger.balance(conn, citizen_account(citizen_id)))
        if taken <= 0:
            continue
        moves.append(
            Transfer(
                idempotency_key=f"{RECOVERY}:{citizen_id}:{ulid(now)}",
                kind=RECOVERY,
                debit=citizen_account(citizen_id),
                credit=ISSUANCE,
                amount=taken,
                memo="owed after a reversal",
            )
        )
        conn.execute(
            point_debts.update()
            .where(point_debts.c.citizen_id == citizen_id)
            .values(owed=point_debts.c.owed - taken, updated_at=now)
        )
        recovered += taken
    ledger.post(conn, moves, now)
    return recovered
