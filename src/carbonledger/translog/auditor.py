"""Running the audit of the dashboard against a deployment, as any outsider can
(`carbonledger audit --url URL`): read the dashboard, verify the log up to a checkpoint that
covers the leaves the dashboard stands for (every leaf and tile, as `verify` does), add those
leaves up, and compare (translog/audit.py).

The dashboard says how many leaves its figures stand for (`log_size`). On a busy deployment the
figures and that size may be read a moment apart, so a difference is confirmed by reading the
dashboard again: only one that persists while the log stood still is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from carbonledger.translog.audit import Line, LogTotals, compare_dashboard
from carbonledger.translog.sources import HttpSource
from carbonledger.translog.verify import verify

_ATTEMPTS = 3
_CHECKPOINT_WAIT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class AuditResult:
    totals: LogTotals
    lines: list[Line]
    checkpoint_size: int

    @property
    def differences(self) -> list[Line]:
        return [line for line in self.lines if line.differs]


def _wait_for_checkpoint(source: HttpSource, size: int) -> None:
    deadline = time.monotonic() + _CHECKPOINT_WAIT_SECONDS
    while int(source.checkpoint().split("\n")[1]) < size:
        if time.monotonic() > deadline:
            raise LookupError(f"no checkpoint covers the dashboard's {size} leaves yet")
        time.sleep(0.1)


def _once(
    source: HttpSource, dashboard: dict[str, Any], progress: Callable[[int, int], None] | None
) -> AuditResult:
    size = int(dashboard["log_size"])
    _wait_for_checkpoint(source, size)
    totals = LogTotals()

    def tally(first: int, entries: list[bytes]) -> None:
        totals.add_entries(entries[: max(0, size - first)])

    verified = verify(source, None, progress, tally)
    return AuditResult(totals, compare_dashboard(totals, dashboard), verified.size)


def audit_url(url: str, progress: Callable[[int, int], None] | None = None) -> AuditResult:
    """Audit the deployment at `url`; raises VerifyError if the log itself does not verify."""
    with HttpSource(url) as source:
        dashboard = source.http.get("/api/v1/dashboard").raise_for_status().json()
        for _attempt in range(_ATTEMPTS):
            result = _once(source, dashboard, progress)
            again = source.http.get("/api/v1/dashboard").raise_for_status().json()
            if not result.differences or again["log_size"] == dashboard["log_size"]:
                return result
            dashboard = again
        return result
