"""Running the audit of the dashboard against a deployment, as any outsider can
(`carbonledger audit --url URL`): read the dashboard, check the log up to a checkpoint that
covers the leaves the dashboard stands for, add those leaves up, and compare (translog/audit.py).

The entries are proven by rebuilding the tree from them, fetched a few bundles ahead, and
comparing its root with the one the log signed: each leaf is parsed once, for the tally. Only
when the root differs is the log verified tile by tile (`verify`), to name the first bad leaf.

The dashboard says how many leaves its figures stand for (`log_size`). On a busy deployment the
figures and that size may be read a moment apart, so a difference is confirmed by reading the
dashboard again: only one that persists while the log stood still is reported.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from carbonledger.translog import merkle, tiles
from carbonledger.translog.audit import Line, LogTotals, compare_dashboard
from carbonledger.translog.checkpoint import Checkpoint, open_checkpoint
from carbonledger.translog.note import NoteError, parse_verifier_key
from carbonledger.translog.sources import HttpSource
from carbonledger.translog.verify import VerifyError, verify

_ATTEMPTS = 3
_CHECKPOINT_WAIT_SECONDS = 10.0
_AHEAD = 4  # entry bundles fetched ahead of the one being added up


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


def _tally(source: HttpSource, checkpoint: Checkpoint, size: int) -> LogTotals:
    """The totals of the first `size` entries, once every entry up to the checkpoint has been
    shown to produce its signed root."""
    totals = LogTotals()
    edge: dict[int, bytes] = {}
    done = 0
    root = merkle.EMPTY_ROOT
    bundles = -(-checkpoint.size // tiles.TILE_WIDTH)

    def fetch(index: int) -> bytes:
        return source.bundle(
            index, min(tiles.TILE_WIDTH, checkpoint.size - index * tiles.TILE_WIDTH)
        )

    with ThreadPoolExecutor(_AHEAD) as pool:
        for index, data in enumerate(pool.map(fetch, range(bundles))):
            width = min(tiles.TILE_WIDTH, checkpoint.size - done)
            entries = tiles.decode_bundle(data)
            if len(entries) != width:
                raise VerifyError(f"leaf {done}: entry bundle {index} has {len(entries)} entries")
            try:
                totals.add_entries(entries[: max(0, size - done)])
            except (ValueError, KeyError, TypeError) as error:
                raise VerifyError(f"entry bundle {index}: {error}") from None
            grown = tiles.append(done, edge, [merkle.leaf_hash(entry) for entry in entries])
            edge, done, root = grown.edge, grown.size, grown.root
    if root != checkpoint.root:
        verify(source, None)  # names the first leaf or tile that differs
        raise VerifyError(f"the entries do not produce the root the log signed at size {done}")
    return totals


def _once(source: HttpSource, dashboard: dict[str, Any]) -> AuditResult:
    size = int(dashboard["log_size"])
    _wait_for_checkpoint(source, size)
    try:
        checkpoint, _ = open_checkpoint(source.checkpoint(), parse_verifier_key(source.key()))
    except NoteError as error:
        raise VerifyError(f"checkpoint: {error}") from None
    totals = _tally(source, checkpoint, size)
    return AuditResult(totals, compare_dashboard(totals, dashboard), checkpoint.size)


def audit_url(url: str) -> AuditResult:
    """Audit the deployment at `url`; raises VerifyError if the log itself does not verify."""
    with HttpSource(url) as source:
        dashboard = source.http.get("/api/v1/dashboard").raise_for_status().json()
        for _attempt in range(_ATTEMPTS):
            result = _once(source, dashboard)
            again = source.http.get("/api/v1/dashboard").raise_for_status().json()
            if not result.differences or again["log_size"] == dashboard["log_size"]:
                return result
            dashboard = again
        return result
