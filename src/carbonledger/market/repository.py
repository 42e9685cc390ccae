"""SQL of the market's lots: their credits, objections, verifiers and signatures (the registry's
accounts, holdings, moves and retirements are in registry_repository.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, and_, exists, func, insert, literal, select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.ingest.tables import records, reversals
from carbonledger.market.tables import (
    market_cover,
    market_lot_credits,
    market_lots,
    market_objections,
    market_signatures,
    market_verifiers,
)
from carbonledger.review.tables import review_flags

# Lots


def next_lot_number(conn: Connection) -> int:
    return (
        int(conn.execute(select(func.coalesce(func.max(market_lots.c.number), 0))).scalar_one()) + 1
    )


def insert_lot(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(market_lots), row)


def update_lot(conn: Connection, number: int, **values: Any) -> None:
    conn.execute(update(market_lots).where(market_lots.c.number == number).values(**values))


def lot(conn: Connection, number: int, *, lock: bool = False) -> Row[Any] | None:
    query = select(market_lots).where(market_lots.c.number == number)
    return conn.execute(query.with_for_update() if lock else query).first()


def lots(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(market_lots).order_by(market_lots.c.number.desc())))


def _eligible(
    period: tuple[date, date],
    scenarios: Sequence[str],
    regions: Sequence[str],
    credited_before: datetime,
    below_leaf: int,
) -> Any:
    """Credited records of the period, scenarios and regions, old enough, under the checkpoint,
    and not waiting in the review queue."""
    return and_(
        records.c.status == "accepted",
        records.c.leaf_index.is_not(None),
        records.c.leaf_index < below_leaf,
        records.c.day >= period[0],
        records.c.day <= period[1],
        records.c.scenario.in_(scenarios),
        records.c.region.in_(regions),
        records.c.credited_at <= credited_before,
        ~exists().where(review_flags.c.record_id == records.c.id, review_flags.c.status == "open"),
    )


def claim_credits(conn: Connection, number: int, *criteria: Any) -> None:
    """Put every eligible credit in no lot yet into lot `number`."""
    chosen = select(
        records.c.leaf_index,
        literal(number, Integer),
        records.c.id,
        records.c.reduction_mg,
    ).where(_free(*criteria))
    conn.execute(
        insert(market_lot_credits).from_select(
            ["leaf_index", "lot", "record_id", "reduction_mg"], chosen
        )
    )


def count_matching(conn: Connection, *criteria: Any) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(records).where(_eligible(*criteria))
        ).scalar_one()
    )


def lot_totals(conn: Connection, number: int) -> tuple[int, int]:
    """(credits, total mg) of a lot's credits."""
    count, total = conn.execute(
        select(func.count(), func.coalesce(func.sum(market_lot_credits.c.reduction_mg), 0)).where(
            market_lot_credits.c.lot == number
        )
    ).one()
    return int(count), int(total)


def _free(*criteria: Any) -> Any:
    return and_(
        _eligible(*criteria),
        ~exists().where(market_lot_credits.c.leaf_index == records.c.leaf_index),
    )


def free_totals(conn: Connection, *criteria: Any) -> tuple[int, int, list[str]]:
    """(credits, total mg, methodology versions) of the eligible credits in no lot."""
    rows = conn.execute(
        select(records.c.methodology, func.count(), func.sum(records.c.reduction_mg))
        .where(_free(*criteria))
        .group_by(records.c.methodology)
    ).all()
    return (
        sum(int(row[1]) for row in rows),
        sum(int(row[2]) for row in rows),
        sorted(row[0] for row in rows if row[0]),
    )


def free_leaves(conn: Connection, *criteria: Any, chunk: int = 100_000) -> Iterator[int]:
    """The leaf indexes of the eligible credits in no lot, in order, read in chunks."""
    after = -1
    while True:
        found = (
            conn.execute(
                select(records.c.leaf_index)
                .where(_free(*criteria), records.c.leaf_index > after)
                .order_by(records.c.leaf_index)
                .limit(chunk)
            )
            .scalars()
            .all()
        )
        if not found:
            return
        yield from (int(index) for index in found)
        after = int(found[-1])


def lot_leaves(conn: Connection, number: int, chunk: int = 100_000) -> Iterator[tuple[int, int]]:
    """(leaf index, mg) of a lot's credits in index order, read in chunks."""
    after = -1
    while True:
        rows = conn.execute(
            select(market_lot_credits.c.leaf_index, market_lot_credits.c.reduction_mg)
            .where(market_lot_credits.c.lot == number, market_lot_credits.c.leaf_index > after)
            .order_by(market_lot_credits.c.leaf_index)
            .limit(chunk)
        ).all()
        if not rows:
            return
        for row in rows:
            yield int(row[0]), int(row[1])
        after = int(rows[-1][0])


def lot_credit(conn: Connection, leaf_index: int) -> Row[Any] | None:
    return conn.execute(
        select(market_lot_credits).where(market_lot_credits.c.leaf_index == leaf_index)
    ).first()


def reversed_in_lot(conn: Connection, number: int) -> list[Row[Any]]:
    """The lot's credits that have been reversed and are not covered yet."""
    return list(
        conn.execute(
            select(market_lot_credits)
            .join(reversals, reversals.c.record_id == market_lot_credits.c.record_id)
            .where(
                market_lot_credits.c.lot == number,
                ~exists().where(market_cover.c.leaf_index == market_lot_credits.c.leaf_index),
            )
            .order_by(market_lot_credits.c.leaf_index)
        )
    )


def citizen_lot_credits(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    """A citizen's credits that went into lots, with the lot."""
    return list(
        conn.execute(
            select(
                records.c.id,
                records.c.day,
                records.c.scenario,
                market_lot_credits.c.leaf_index,
                market_lot_credits.c.reduction_mg,
                market_lot_credits.c.lot,
            )
            .join(market_lot_credits, market_lot_credits.c.record_id == records.c.id)
            .where(records.c.citizen_id == citizen_id)
            .order_by(records.c.day.desc())
        )
    )


# Objections, verifiers, signatures


def insert_objection(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(market_objections), row)


def objection(conn: Connection, objection_id: str) -> Row[Any] | None:
    return conn.execute(
        select(market_objections).where(market_objections.c.id == objection_id).with_for_update()
    ).first()


def answer_objection(conn: Connection, objection_id: str, **values: Any) -> None:
    conn.execute(
        update(market_objections).where(market_objections.c.id == objection_id).values(**values)
    )


def objections(conn: Connection, number: int) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(market_objections)
            .where(market_objections.c.lot == number)
            .order_by(market_objections.c.filed_at)
        )
    )


def insert_verifier(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(market_verifiers), row)


def verifier(conn: Connection, verifier_id: str) -> Row[Any] | None:
    return conn.execute(
        select(market_verifiers).where(market_verifiers.c.id == verifier_id)
    ).first()


def verifier_by_key(conn: Connection, key: bytes) -> Row[Any] | None:
    return conn.execute(
        select(market_verifiers).where(market_verifiers.c.public_key == key)
    ).first()


def verifiers(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(market_verifiers).order_by(market_verifiers.c.id)))


def insert_signature(conn: Connection, row: dict[str, Any]) -> bool:
    """Store a signature unless this verifier already signed the lot."""
    existing = conn.execute(
        select(market_signatures.c.lot).where(
            market_signatures.c.lot == row["lot"], market_signatures.c.verifier == row["verifier"]
        )
    ).first()
    if existing is not None:
        return False
    conn.execute(insert(market_signatures), row)
    return True


def signatures(conn: Connection, number: int | None = None) -> list[Row[Any]]:
    query = select(market_signatures).order_by(
        market_signatures.c.lot, market_signatures.c.verifier
    )
    if number is not None:
        query = query.where(market_signatures.c.lot == number)
    return list(conn.execute(query))
