"""What the public log explorer (`/log`) shows: the latest checkpoint with its signatures and
their age, a page of entries, one entry found by leaf index or record id, and the audit of the
dashboard beside the log's own totals.

A page of entries reads at most two entry bundles, whatever the size of the log. The audit adds
up the log incrementally: each process keeps the totals up to the size it last added, so a view
reads only the leaves appended since.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from carbonledger.ingest import repository as ingest_repo
from carbonledger.ledgers import service as ledgers
from carbonledger.ledgers.service import MAX_RANGE_DAYS
from carbonledger.translog import repository as repo
from carbonledger.translog import sequencer, tiles
from carbonledger.translog.audit import (
    Figures,
    Line,
    LogTotals,
    compare,
    compare_dashboard,
)
from carbonledger.translog.checkpoint import Checkpoint, cosignature_time
from carbonledger.translog.note import NoteError, Verifier, split_note

PAGE_SIZE = 50
_RECORD_ID_LENGTH = 26


@dataclass(frozen=True, slots=True)
class SignatureView:
    name: str
    kind: str  # "log", "witness" (verified by a configured key) or "unknown"
    time: datetime | None


@dataclass(frozen=True, slots=True)
class CheckpointView:
    origin: str
    size: int
    root: str
    signed_at: datetime
    signatures: list[SignatureView]


def checkpoint_view(
    conn: Connection, log: Verifier, witnesses: list[Verifier]
) -> CheckpointView | None:
    """The latest checkpoint and who signed it: the log, and each witness with its time."""
    latest = repo.latest_checkpoint(conn)
    if latest is None:
        return None
    note = repo.cosigned_note(conn, latest)
    text, signatures = split_note(note)
    body = Checkpoint.parse(text)
    known = {(w.name, w.key_id): w for w in witnesses}
    views = []
    for signature in signatures:
        if (signature.name, signature.key_id) == (log.name, log.key_id):
            views.append(SignatureView(signature.name, "log", latest.created_at))
            continue
        witness = known.get((signature.name, signature.key_id))
        try:
            timestamp = cosignature_time(note, witness) if witness else None
        except NoteError:
            timestamp = None
        if witness is None or timestamp is None:
            views.append(SignatureView(signature.name, "unknown", None))
        else:
            views.append(
                SignatureView(signature.name, "witness", datetime.fromtimestamp(timestamp, UTC))
            )
    root = base64.b64encode(body.root).decode()
    return CheckpointView(body.origin, body.size, root, latest.created_at, views)


def _leaf_view(index: int, data: bytes) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(data)
    return {"index": index, "leaf": body, "text": data.decode()}


def entries_page(conn: Connection, size: int, before: int | None) -> list[dict[str, Any]]:
    """Up to PAGE_SIZE entries below `before` (the newest first), within the checkpoint's size."""
    end = size if before is None else max(0, min(before, size))
    start = max(0, end - PAGE_SIZE)
    found: list[dict[str, Any]] = []
    for bundle in range(start // tiles.TILE_WIDTH, -(-end // tiles.TILE_WIDTH)):
        data = repo.bundle(conn, bundle)
        if data is None:
            raise LookupError(f"entry bundle {bundle} is missing")
        first = bundle * tiles.TILE_WIDTH
        for offset, entry in enumerate(tiles.decode_bundle(data)):
            if start <= first + offset < end:
                found.append(_leaf_view(first + offset, entry))
    return found[::-1]


def _leaf_index(conn: Connection, query: str) -> int | str:
    """The leaf index a query names (a leaf index, or a record id), or why there is none."""
    if query.isdigit():
        return int(query)
    if len(query) != _RECORD_ID_LENGTH or not query.isalnum():
        return "not_an_id"
    row = ingest_repo.record_by_id(conn, query.upper())
    if row is None:
        return "unknown_record"
    return "no_leaf" if row.leaf_index is None else int(row.leaf_index)


def lookup(conn: Connection, size: int, query: str) -> dict[str, Any] | str:
    """The entry a leaf index or a record id names, or a key saying why there is none."""
    index = _leaf_index(conn, query.strip())
    if isinstance(index, str):
        return index
    if index >= size:
        return "beyond_checkpoint"
    return _leaf_view(index, repo.entry(conn, index))


class _Tally:
    """The log's totals up to some size, kept per process and extended on demand."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.totals: dict[str, LogTotals] = {}

    def up_to(self, conn: Connection, origin: str, size: int) -> LogTotals:
        with self.lock:
            cached = self.totals.get(origin)
            totals = _copy(cached) if cached and cached.leaves <= size else LogTotals()
            while totals.leaves < size:
                bundle = totals.leaves // tiles.TILE_WIDTH
                data = repo.bundle(conn, bundle)
                if data is None:
                    raise LookupError(f"entry bundle {bundle} is missing")
                skip = totals.leaves - bundle * tiles.TILE_WIDTH
                totals.add_entries(tiles.decode_bundle(data)[skip : skip + size - totals.leaves])
            self.totals[origin] = totals
            return _copy(totals)


def _copy(totals: LogTotals) -> LogTotals:
    def figures(f: Figures) -> Figures:
        return Figures(f.credits, f.reduction_mg, f.base_points)

    return LogTotals(
        totals.leaves,
        figures(totals.total),
        {k: figures(v) for k, v in totals.by_scenario.items()},
        {k: figures(v) for k, v in totals.by_day.items()},
    )


_TALLY = _Tally()


@dataclass(frozen=True, slots=True)
class AuditView:
    totals: LogTotals
    lines: list[Line]

    @property
    def differences(self) -> list[Line]:
        return [line for line in self.lines if line.differs]


def audit_view(conn: Connection, origin: str, zone: ZoneInfo, today: date) -> AuditView:
    """The log's totals beside the dashboard's and the government ledger's, read in one
    transaction, so the three stand for the same leaves."""
    size = sequencer.head(conn).size
    totals = _TALLY.up_to(conn, origin, size)
    dashboard = ledgers.dashboard(conn, zone, today)
    lines = compare_dashboard(totals, dashboard)
    if totals.by_day:
        days = sorted(totals.by_day)
        last = date.fromisoformat(days[-1])
        first = max(date.fromisoformat(days[0]), last - timedelta(days=MAX_RANGE_DAYS - 1))
        government = ledgers.government(conn, zone, first, last, None, rows=False)
        whole = first.isoformat() == days[0]
        # Totals and scenarios are comparable only when the ledger covers every day of the log.
        lines += compare(
            totals,
            "government ledger",
            government["totals"] if whole else None,
            government["by_scenario"] if whole else [],
            government["by_day"],
        )
    return AuditView(totals, lines)
