"""Rollups: per day × region × scenario × partner, records by status, grams and points. They are
written in the same transaction as the records they count, so every ledger view reads rollups,
never raw records, and is exact. Pure accumulation; the repository writes them."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from carbonledger.ingest.results import Status

RollupKey = tuple[date, str, str, str]
_COLUMNS = ("accepted", "duplicate", "pending", "rejected", "reduction_mg", "points")


class Rollups:
    """Changes to rollup rows gathered over one transaction."""

    def __init__(self) -> None:
        self._rows: dict[RollupKey, dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(_COLUMNS, 0)
        )

    def count(self, key: RollupKey, status: Status, change: int = 1) -> None:
        self._rows[key][status.value] += change

    def credit(self, key: RollupKey, reduction_mg: int, points: int) -> None:
        row = self._rows[key]
        row["reduction_mg"] += reduction_mg
        row["points"] += points

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"day": day, "region": region, "scenario": scenario, "partner_id": partner, **values}
            for (day, region, scenario, partner), values in self._rows.items()
        ]

    @staticmethod
    def columns() -> tuple[str, ...]:
        return _COLUMNS
