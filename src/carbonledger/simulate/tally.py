"""The simulator's account of what came back (`carbonledger simulate`): results by status and by
reason, replays, retries, batch latency percentiles and records per second. Pure."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("accepted", "duplicate", "pending", "rejected")


@dataclass
class Tally:
    """One partner's answers, or several partners' together."""

    partner_id: str
    statuses: Counter[str] = field(default_factory=Counter)
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    replayed: int = 0
    retries: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failure: str | None = None

    def add(self, answer: dict[str, Any], latency_ms: float) -> None:
        """Count the results of one answered batch (the body of a 200 to POST /records)."""
        for result in answer["results"]:
            status = result["status"]
            self.statuses[status] += 1
            if result.get("reason"):
                self.reasons[(status, result["reason"])] += 1
            self.replayed += bool(result.get("replayed"))
        self.latencies_ms.append(latency_ms)

    @property
    def records(self) -> int:
        return sum(self.statuses.values())

    @property
    def batches(self) -> int:
        return len(self.latencies_ms)

    @property
    def rate(self) -> float:
        """Records answered per second of the run."""
        return self.records / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Batch latency (ms) at `share` (0.5, 0.95, 0.99), by the nearest-rank method."""
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    @classmethod
    def combined(cls, tallies: Iterable[Tally], name: str = "all") -> Tally:
        """Several partners' tallies as one; the run lasted as long as the longest."""
        total = cls(name)
        for tally in tallies:
            total.statuses.update(tally.statuses)
            total.reasons.update(tally.reasons)
            total.replayed += tally.replayed
            total.retries += tally.retries
            total.latencies_ms.extend(tally.latencies_ms)
            total.seconds = max(total.seconds, tally.seconds)
        return total
