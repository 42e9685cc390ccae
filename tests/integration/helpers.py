"""Calling the pipeline directly, as an entry point would, and recomputing what it maintains."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from carbonledger import clock, db
from carbonledger.ingest import pipeline
from carbonledger.ingest.results import Result
from carbonledger.ingest.tables import participant_days, records, reversals, rollups
from carbonledger.ingest.tables import participants as participants_table
from carbonledger.platform import Platform
from carbonledger.points.postings import account_kind
from carbonledger.points.tables import point_accounts, points_flow, transfers
from carbonledger.schema import metadata


def holders(engine: Engine, secret: str) -> list[str]:
    """`table.column` of every stored value, in every table, that holds `secret` as text (or its
    UTF-8 bytes, in a binary column)."""
    found = []
    with db.read(engine) as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in row._mapping.items():
                    binary = isinstance(value, memoryview | bytes)
                    stored = bytes(value).decode("latin-1") if binary else value
                    if isinstance(stored, str) and secret in stored:
                        found.append(f"{table.name}.{column}")
    return found


def submit(
    platform: Platform, partner_id: str, batch: list[dict[str, Any]], now: datetime | None = None
) -> list[Result]:
    signed = pipeline.SignedBatch(partner_id, 0, os.urandom(8).hex(), b"\0" * 64, b"{}")
    when = now or clock.now()
    return db.retrying(
        platform.engine, lambda conn: pipeline.submit(conn, platform, signed, batch, when)
    )


def rollups_match_records(platform: Platform) -> None:
    """The rollups equal a recomputation from the records."""
    with db.read(platform.engine) as conn:
        stored: Counter[tuple[Any, ...]] = Counter()
        for row in conn.execute(select(rollups)):
            key = (row.day, row.region, row.scenario, row.partner_id)
            for column in (
                "accepted",
                "duplicate",
                "pending",
                "rejected",
                "reduction_mg",
                "points",
                "citizens",
            ):
                if getattr(row, column):
                    stored[(*key, column)] += getattr(row, column)
        recomputed: Counter[tuple[Any, ...]] = Counter()
        clawed = {row.record_id: row.points_clawed_back for row in conn.execute(select(reversals))}
        credited: dict[tuple[Any, ...], set[str]] = {}
        for row in conn.execute(select(records)):
            if row.status == "accepted" or row.id in clawed:  # a reversal keeps participation
                key = (row.day, row.region, row.scenario or "", row.partner_id)
                credited.setdefault(key, set()).add(row.citizen_id)
            key = (row.day, row.region, row.scenario or "", row.partner_id)
            recomputed[(*key, row.status)] += 1
            if row.status == "accepted":
                recomputed[(*key, "reduction_mg")] += row.reduction_mg
                recomputed[(*key, "points")] += row.points
            elif row.id in clawed:  # reversed: what was not clawed back stays issued
                recomputed[(*key, "points")] += row.points - clawed[row.id]
        for key, citizens in credited.items():
            recomputed[(*key, "citizens")] += len(citizens)
        participants = conn.execute(select(func.count()).select_from(participants_table)).scalar()
        joined = conn.execute(select(func.sum(participant_days.c.joined))).scalar() or 0
    assert +stored == +recomputed
    assert participants == joined == len(set().union(*credited.values()))


def points_balance(platform: Platform) -> dict[str, int]:
    """Check the ledger's invariants; return the balances."""
    with db.read(platform.engine) as conn:
        balances = {row.id: row.balance for row in conn.execute(select(point_accounts))}
        moved: Counter[str] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        for row in conn.execute(select(transfers)):
            moved[row.debit] -= row.amount
            moved[row.credit] += row.amount
            pairs[(account_kind(row.debit), account_kind(row.credit))] += row.amount
        flowed: Counter[tuple[str, str]] = Counter()
        for row in conn.execute(select(points_flow)):
            flowed[(row.debit_kind, row.credit_kind)] += row.amount
        total = conn.execute(select(func.sum(point_accounts.c.balance))).scalar()
    assert total == 0
    assert all(v >= 0 for k, v in balances.items() if not k.startswith("issuance"))
    assert {k: v for k, v in balances.items() if v} == {k: v for k, v in moved.items() if v}
    assert flowed == pairs
    return balances
