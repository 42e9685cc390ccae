"""Rollups: per day × region × scenario × partner, records by status, grams, points and distinct
citizens credited. They are written in the same transaction as the records they count, so every
ledger view reads rollups, never raw records, and is exact. Pure accumulation; the repository
writes them, counting a citizen in `citizens` only the first time they are credited under a key
(and in the participants only the first time they are credited at all)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from carbonledger.ingest.results import Status

RollupKey = tuple[date, str, str, str]
_COLUMNS = ("accepted", "duplicate", "pending", "rejected", "reduction_mg", "points", "citizens")


class Rollups:
    """Changes to rollup rows gathered over one transaction."""

    def __init__(self) -> None:
        self._rows: dict[RollupKey, dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(_COLUMNS, 0)
        )
        self.credited: set[tuple[RollupKey, str]] = set()

    def count(self, key: RollupKey, status: Status, change: int = 1) -> None:
        self._rows[key][status.value] += change

    def credit(
        self, key: RollupKey, reduction_mg: int, points: int, citizen_id: str | None = None
    ) -> None:
        """Add a credit's grams and points; `citizen_id` names who was credited, for the
        distinct-citizen counts (a reversal passes none: it does not undo participation)."""
        row = self._rows[key]
        row["reduction_mg"] += reduction_mg
        row["points"] += points
        if citizen_id is not None:
            self.credited.add((key, citizen_id))

    def new_citizens(self, keys: list[RollupKey]) -> None:
        """Count citizens credited under a key for the first time (one key per citizen)."""
        for key in keys:
            self._rows[key]["citizens"] += 1

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"day": day, "region": region, "scenario": scenario, "partner_id": partner, **values}
            for (day, region, scenario, partner), values in self._rows.items()
        ]

    @staticmethod
    def columns() -> tuple[str, ...]:
        return _COLUMNS
