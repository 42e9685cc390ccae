"""The audit of the dashboard (`carbonledger audit`, the explorer's audit): the city's totals
recomputed from the log's entries alone, set beside what the dashboard and the government ledger
publish, with every difference named. Pure.

From the log: the standing credits (a credit counts one, a reversal takes one back from the day
and scenario of the credit it reverses), the grams (`reduction_mg`, reversals negative) and the
base points, by scenario and by local day. Lottery leaves are skipped. Campaign bonuses are paid
from campaign budgets and are not in the log, so the published points (base plus bonuses) are
shown beside the log's base points but not compared; `carbonledger reconcile` checks the base
points against the issuance account.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from carbonledger.translog.leaves import LEAF_VERSIONS

COMPARED = ("credits", "reduction_mg")


@dataclass(slots=True)
class Figures:
    credits: int = 0
    reduction_mg: int = 0
    base_points: int = 0

    def add(self, credits: int, reduction_mg: int, points: int) -> None:
        self.credits += credits
        self.reduction_mg += reduction_mg
        self.base_points += points


@dataclass(slots=True)
class LogTotals:
    """What the first `leaves` entries of the log add up to."""

    leaves: int = 0
    total: Figures = field(default_factory=Figures)
    by_scenario: dict[str, Figures] = field(default_factory=dict)
    by_day: dict[str, Figures] = field(default_factory=dict)

    def add_entries(self, entries: Iterable[bytes]) -> None:
        """Fold more entries, in log order, into the totals."""
        for entry in entries:
            self.leaves += 1
            leaf = json.loads(entry)
            if not isinstance(leaf, dict) or leaf.get("v") not in LEAF_VERSIONS:
                raise ValueError(f"leaf {self.leaves - 1} is not a Carbon Ledger leaf")
            kind = leaf.get("kind")
            if kind not in ("credit", "reversal"):
                continue
            credits = 1 if kind == "credit" else -1
            scenario, day = leaf["scenario"], leaf["day"]
            reduction, points = int(leaf["reduction_mg"]), int(leaf["points"])
            self.total.add(credits, reduction, points)
            by_scenario = self.by_scenario.get(scenario) or self.by_scenario.setdefault(
                scenario, Figures()
            )
            by_scenario.add(credits, reduction, points)
            by_day = self.by_day.get(day) or self.by_day.setdefault(day, Figures())
            by_day.add(credits, reduction, points)


@dataclass(frozen=True, slots=True)
class Line:
    """One figure of one group: the log's value and what a publication says."""

    source: str
    group: str
    figure: str
    log: int
    published: int

    @property
    def differs(self) -> bool:
        return self.log != self.published

    def describe(self) -> str:
        return (
            f"{self.source}, {self.group}: {self.figure} {self.published} published, "
            f"{self.log} in the log ({self.published - self.log:+d})"
        )


def _published(row: Mapping[str, Any]) -> dict[str, int]:
    return {"credits": int(row.get("accepted", 0)), "reduction_mg": int(row.get("reduction_mg", 0))}


def _lines(
    source: str, group: str, log: Figures | None, published: Mapping[str, int]
) -> list[Line]:
    log = log or Figures()
    return [Line(source, group, name, getattr(log, name), published[name]) for name in COMPARED]


def compare(
    totals: LogTotals,
    source: str,
    published_total: Mapping[str, Any] | None,
    by_scenario: Iterable[Mapping[str, Any]],
    by_day: Iterable[Mapping[str, Any]],
) -> list[Line]:
    """Every compared figure of a publication beside the log's: the total, each scenario it or
    the log names, and each day it publishes (days it does not cover are not compared)."""
    lines = []
    if published_total is not None:
        lines += _lines(source, "all", totals.total, _published(published_total))
    scenarios = {
        str(row["scenario"]): _published(row) for row in by_scenario if row["scenario"] is not None
    }
    for scenario in sorted(set(scenarios) | set(totals.by_scenario)):
        published = scenarios.get(scenario, {"credits": 0, "reduction_mg": 0})
        lines += _lines(source, f"scenario {scenario}", totals.by_scenario.get(scenario), published)
    for row in by_day:
        day = str(row["day"])
        lines += _lines(source, f"day {day}", totals.by_day.get(day), _published(row))
    return lines


def compare_dashboard(totals: LogTotals, dashboard: Mapping[str, Any]) -> list[Line]:
    """The public dashboard (`GET /api/v1/dashboard`): all-time totals, by scenario, and its
    trend of the last days."""
    return compare(
        totals, "dashboard", dashboard["totals"], dashboard["by_scenario"], dashboard["trend"]
    )
