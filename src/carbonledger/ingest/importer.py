"""Bulk import (`carbonledger import`): a data partner's records from a file, through the same
pipeline as the API, in batches of one transaction each.

An import is resumable because records are idempotent by (partner, external_id): run again after
an interruption, the batches already committed come back as replays of their stored results —
read in one query per batch while every batch so far was stored, without taking the writer lock
— and the rest goes through the pipeline, so the end state equals an uninterrupted run's.

An import is the operator's act, not a partner's signed request, and no partner signature is
made up for it. Its batches are kept with an empty `signature`; `nonce` is
`import-<run id>-<first line of the batch>`, `timestamp` the batch's time, and `body` the batch's
records as read from the file, in the API's form `{"records": [...]}` (with its SHA-256 in
`body_sha256`).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger import clock, db
from carbonledger.accounts import repository as accounts_repo
from carbonledger.errors import Forbidden, NotFound
from carbonledger.ids import ulid
from carbonledger.ingest import pipeline
from carbonledger.ingest import repository as repo
from carbonledger.ingest.filerows import Row
from carbonledger.ingest.records import content_hash
from carbonledger.ingest.results import FieldError, Result, Status
from carbonledger.platform import Platform

UNREADABLE = "unreadable_row"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A rejected row of the file, as written to the rejected-rows file."""

    line: int
    external_id: str | None
    reason: str
    errors: tuple[dict[str, str], ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "line": self.line,
                "external_id": self.external_id,
                "reason": self.reason,
                "errors": list(self.errors),
            },
            ensure_ascii=False,
        )


@dataclass
class ImportSummary:
    """What became of the rows so far: each row counted once by its result's status."""

    run_id: str
    statuses: Counter[str] = field(default_factory=Counter)
    replayed: int = 0
    last_line: int = 0
    seconds: float = 0.0
    stopped: bool = False
    """Asked to stop before the end of the file; the rows up to `last_line` are done."""

    @property
    def rows(self) -> int:
        return sum(self.statuses.values())

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def check_partner(conn: Connection, partner_id: str) -> None:
    """The records of an import are a data partner's: it must exist and be active."""
    found = accounts_repo.partner(conn, partner_id)
    if found is None:
        raise NotFound(
            f"no partner has the id {partner_id!r}; add it first (carbonledger partner add)",
            code="unknown_partner",
        )
    if found.role == "merchant":
        raise Forbidden(
            f"partner {partner_id!r} is a merchant only; records come from data partners",
            code="not_a_data_partner",
        )
    if found.status != "active":
        raise Forbidden(
            f"partner {partner_id!r} is suspended; resume it before importing its records",
            code="partner_suspended",
        )


def _stored_replays(
    platform: Platform, partner_id: str, records: list[dict[str, Any]]
) -> list[Result] | None:
    """The results of a batch whose every record is already stored as sent; else None."""
    ids = [i for i in (record.get("external_id") for record in records) if isinstance(i, str)]
    if len(ids) != len(records):
        return None
    with db.read(platform.engine) as conn:
        stored = repo.stored_results(conn, partner_id, ids)
    results = []
    for record, external_id in zip(records, ids, strict=True):
        found = stored.get(external_id)
        if found is None or found[0] != content_hash(record):
            return None
        results.append(found[1].as_replay())
    return results


def _submit(
    platform: Platform, partner_id: str, run_id: str, first_line: int, records: list[dict[str, Any]]
) -> list[Result]:
    now = clock.now()
    body = json.dumps({"records": records}, ensure_ascii=False, separators=(",", ":")).encode()
    nonce = f"import-{run_id}-{first_line}"
    signed = pipeline.SignedBatch(partner_id, int(now.timestamp()), nonce, b"", body)
    return pipeline.process(platform, signed, records, now)


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def import_rows(
    platform: Platform,
    partner_id: str,
    rows: Iterable[Row],
    *,
    batch_size: int,
    on_rejected: Callable[[Rejection], None],
    on_batch: Callable[[ImportSummary], None] = lambda _: None,
    stop: Callable[[], bool] = lambda: False,
) -> ImportSummary:
    """Send the rows through the pipeline as `partner_id`, `batch_size` records a transaction;
    report each rejected row and, after each committed batch, the summary so far. `stop` is
    asked between batches, so an import is stopped only where a batch ends."""
    with db.read(platform.engine) as conn:
        check_partner(conn, partner_id)
    summary = ImportSummary(ulid(clock.now()))
    started = time.perf_counter()
    resuming = True  # replays are looked up cheaply until the first batch that is new
    for chunk in _batches(rows, batch_size):
        if stop():
            summary.stopped = True
            break
        records = [row.record for row in chunk if row.record is not None]
        results = _stored_replays(platform, partner_id, records) if resuming and records else None
        if results is None and records:
            resuming = False
            first_line = next(row.line for row in chunk if row.record is not None)
            results = _submit(platform, partner_id, summary.run_id, first_line, records)
        answers = iter(results or [])
        for row in chunk:  # in file order, so the rejected rows are reported by line
            result = _unreadable(row) if row.record is None else next(answers)
            summary.statuses[result.status.value] += 1
            summary.replayed += result.replayed
            if result.status is Status.REJECTED:
                on_rejected(_rejection(row, result))
        summary.last_line = chunk[-1].line
        summary.seconds = time.perf_counter() - started
        on_batch(summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _unreadable(row: Row) -> Result:
    return Result(
        None, Status.REJECTED, reason=UNREADABLE, errors=(FieldError("", row.problem or ""),)
    )


def _rejection(row: Row, result: Result) -> Rejection:
    errors = tuple({"field": e.field, "message": e.message} for e in result.errors)
    return Rejection(row.line, row.external_id, result.reason or "", errors)
