"""The batch pipeline (DESIGN.md, "the way a record travels"): one database transaction per
signed batch, one result per record, in order.

Before the transaction (`prepare`): validate, content hashes, bounds and plausibility, the link
look-ups. In it (`submit`): idempotency, then the crediting service (dedupe and caps, quantify,
log, points, review flags, rollups), then the records' rows in one statement. Every record with a
usable external_id is stored with its result, so a retry returns the first answer and nothing the
API acknowledged is lost.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger import db
from carbonledger.accounts.repository import linked_citizens
from carbonledger.ids import ulid, ulids
from carbonledger.ingest import repository as repo
from carbonledger.ingest.crediting import Candidate, Crediting, Settled, stage
from carbonledger.ingest.records import Invalid, Record, validate
from carbonledger.ingest.results import FieldError, Result, Status
from carbonledger.methodology.catalogue import Catalogue
from carbonledger.methodology.quantify import check_plausibility
from carbonledger.platform import Platform


@dataclass(frozen=True, slots=True)
class SignedBatch:
    """A batch as the partner signed it, kept for non-repudiation."""

    partner_id: str
    timestamp: int
    nonce: str
    signature: bytes
    body: bytes


@dataclass(frozen=True, slots=True)
class Prepared:
    """A batch's records checked before its write transaction: each validated (or invalid),
    with the bounds or plausibility problem of a valid one, and the links of their users."""

    records: tuple[Record | Invalid, ...]
    problems: tuple[str | None, ...]
    links: dict[str, tuple[str, bytes]]


def prepare(
    platform: Platform,
    partner_id: str,
    raw_records: Sequence[Any],
    now: datetime,
    conn: Connection | None = None,
) -> Prepared:
    """Everything about a batch that needs no lock: validation, content hashes, bounds and
    plausibility, and the links of its users (read in `conn`, or a read transaction of its
    own)."""
    if conn is None:
        with db.read(platform.engine) as reading:
            return prepare(platform, partner_id, raw_records, now, reading)
    with stage("validation"):
        catalogue = platform.refresh_catalogue(conn)
        parsed = tuple(validate(raw, catalogue) for raw in raw_records)
        settings = platform.settings
        latest = now + timedelta(seconds=settings.clock_skew_seconds)
        earliest = now - timedelta(days=settings.retention_days)
        problems = tuple(
            _bounds(catalogue, record, earliest, latest) if isinstance(record, Record) else None
            for record in parsed
        )
        users = {
            record.user
            for record, problem in zip(parsed, problems, strict=True)
            if isinstance(record, Record) and problem is None
        }
        links = linked_citizens(conn, partner_id, users)
    return Prepared(parsed, problems, links)


def _bounds(
    catalogue: Catalogue, record: Record, earliest: datetime, latest: datetime
) -> str | None:
    """Why a valid record cannot be credited: too far in the future or the past (bounds of the
    batch's time), or implausible for its scenario; None when it can be."""
    if record.occurred_at > latest:
        return "in_future"
    if record.occurred_at < earliest:
        return "too_old"
    scenario = catalogue.scenario(record.scenario)
    assert scenario is not None
    return check_plausibility(
        scenario, record.quantity_milli, record.occurred_at, record.ended_at, record.embodied_mg
    )


def process(
    platform: Platform, batch: SignedBatch, raw_records: Sequence[Any], now: datetime
) -> list[Result]:
    """A batch's whole way: prepared outside, then submitted in one write transaction (run
    again when the database asks for a retry)."""
    prepared = prepare(platform, batch.partner_id, raw_records, now)
    return db.retrying(platform.engine, lambda conn: submit(conn, platform, batch, prepared, now))


def _reused(external_id: str) -> Result:
    return Result(
        external_id,
        Status.REJECTED,
        reason="external_id_reused",
        errors=(
            FieldError(
                "external_id",
                "was sent before with different content; "
                "the first record stands — use a new external_id",
            ),
        ),
    )


def _errors_json(errors: tuple[FieldError, ...]) -> str | None:
    if not errors:
        return None
    return json.dumps(
        [{"field": e.field, "message": e.message} for e in errors], ensure_ascii=False
    )


class _Batch:
    """The rows of one batch, built once as plain values, and the results to answer."""

    def __init__(
        self, platform: Platform, batch_id: str, partner_id: str, count: int, now: datetime
    ) -> None:
        self.settings = platform.settings
        self.ids = iter(ulids(now, count))
        self.batch_id = batch_id
        self.partner_id = partner_id
        self.now = now
        self.today = now.astimezone(self.settings.zone).date()
        self.settled = Settled()

    def store(self, record: Record | Invalid, result: Result) -> Result:
        """Keep a record that has an external_id, with its result; count a settled one in the
        rollups (the crediting service counts the candidates)."""
        if record.external_id is None or record.content_hash is None:
            return result
        record_id = next(self.ids)
        if isinstance(record, Record):
            day = record.occurred_at.astimezone(self.settings.zone).date()
            region, scenario = record.region or self.settings.region, record.scenario
            fields: dict[str, Any] = {
                "partner_user": record.user,
                "scenario": record.scenario,
                "occurred_at": record.occurred_at,
                "ended_at": record.ended_at,
                "quantity_milli": record.quantity_milli,
                "embodied_mg": record.embodied_mg,
                "evidence_key": record.evidence_key,
            }
        else:
            day, region, scenario = self.today, self.settings.region, ""
            # The user, when it could be read: their ledger shows the refusal once linked.
            fields = dict.fromkeys(_RECORD_FIELDS) | {"partner_user": record.user}
        self.settled.rows.append(
            {
                "id": record_id,
                "partner_id": self.partner_id,
                "external_id": record.external_id,
                "batch_id": self.batch_id,
                "content_hash": record.content_hash,
                "region": region,
                "day": day,
                "errors": _errors_json(result.errors),
                "received_at": self.now,
                **fields,
                **_UNDECIDED,
                "status": result.status.value,
                "reason": result.reason,
            }
        )
        if result.status is not Status.ACCEPTED:
            key = (day, region, scenario, self.partner_id)
            self.settled.rollups.count(key, result.status)
        return Result(
            result.external_id, result.status, record_id, result.reason, errors=result.errors
        )

    def admit(
        self, record: Record | Invalid, problem: str | None, links: dict[str, tuple[str, bytes]]
    ) -> tuple[Result, Candidate | None]:
        """Store a new record as rejected or pending, or as a candidate for crediting."""
        external_id = record.external_id
        if isinstance(record, Invalid):
            rejected = Result(
                external_id, Status.REJECTED, reason=record.reason, errors=record.errors
            )
            return self.store(record, rejected), None
        if problem:
            return self.store(record, Result(external_id, Status.REJECTED, reason=problem)), None
        link = links.get(record.user)
        if link is None:
            waiting = Result(external_id, Status.PENDING, reason="user_not_linked")
            return self.store(record, waiting), None
        result = self.store(record, Result(external_id, Status.ACCEPTED))
        row = self.settled.rows[-1]
        candidate = Candidate.from_record(
            record, row["id"], self.partner_id, link, row["region"], row["day"]
        )
        return result, candidate


_RECORD_FIELDS = (
    "partner_user",
    "scenario",
    "occurred_at",
    "ended_at",
    "quantity_milli",
    "embodied_mg",
    "evidence_key",
)
# A new row's outcome columns until the crediting service decides.
_UNDECIDED: dict[str, Any] = {
    "citizen_id": None,
    "credited_milli": None,
    "duplicate_of": None,
    "reduction_mg": 0,
    "points": 0,
    "methodology": None,
    "leaf_index": None,
    "capped": False,
    "points_capped": False,
    "credited_at": None,
}


def _insert_batch(conn: Connection, batch: SignedBatch, count: int, now: datetime) -> str:
    batch_id = ulid(now)
    repo.insert_batch(
        conn,
        {
            "id": batch_id,
            "partner_id": batch.partner_id,
            "received_at": now,
            "timestamp": batch.timestamp,
            "nonce": batch.nonce,
            "body_sha256": hashlib.sha256(batch.body).digest(),
            "signature": batch.signature,
            "body": batch.body,
            "records": count,
        },
    )
    return batch_id


def submit(
    conn: Connection,
    platform: Platform,
    batch: SignedBatch,
    records: Prepared | Sequence[Any],
    now: datetime,
) -> list[Result]:
    """Process one signed batch in the caller's transaction; return one result per record.
    `records` are prepared already (`prepare`, outside the transaction) or raw."""
    service = Crediting.begin(conn, platform, now)
    prepared = (
        records
        if isinstance(records, Prepared)
        else prepare(platform, batch.partner_id, records, now, conn)
    )
    parsed = prepared.records
    batch_id = _insert_batch(conn, batch, len(parsed), now)
    work = _Batch(platform, batch_id, batch.partner_id, len(parsed), now)
    stored = repo.stored_results(
        conn, batch.partner_id, [p.external_id for p in parsed if p.external_id is not None]
    )
    links = _links_now(conn, batch.partner_id, prepared)
    results: list[Result | None] = [None] * len(parsed)
    first_in_batch: dict[str, tuple[bytes | None, int]] = {}
    candidates: list[tuple[int, Candidate]] = []
    for index, (record, problem) in enumerate(zip(parsed, prepared.problems, strict=True)):
        external_id = record.external_id
        if external_id is not None:
            if external_id in stored:
                fingerprint, first = stored[external_id]
                same = fingerprint == record.content_hash
                results[index] = first.as_replay() if same else _reused(external_id)
                continue
            if external_id in first_in_batch:
                continue  # answered after the batch, as a replay of its first occurrence
            first_in_batch[external_id] = (record.content_hash, index)
        results[index], candidate = work.admit(record, problem, links)
        if candidate is not None:
            candidates.append((index, candidate))

    outcomes = service.decide([c for _, c in candidates], work.settled)
    for (index, candidate), outcome in zip(candidates, outcomes, strict=True):
        external_id = parsed[index].external_id
        assert external_id is not None
        results[index] = outcome.result(external_id, candidate.record_id)
    for index, record in enumerate(parsed):
        if results[index] is None:
            assert record.external_id is not None
            first_hash, first_index = first_in_batch[record.external_id]
            earlier = results[first_index]
            assert earlier is not None
            same = first_hash == record.content_hash
            results[index] = earlier.as_replay() if same else _reused(record.external_id)
    return [r for r in results if r is not None]


def _links_now(
    conn: Connection, partner_id: str, prepared: Prepared
) -> dict[str, tuple[str, bytes]]:
    """The prepared links, and those of users linked since they were read (so a record never
    waits as pending for a link that exists)."""
    unlinked = {
        record.user
        for record, problem in zip(prepared.records, prepared.problems, strict=True)
        if isinstance(record, Record) and problem is None and record.user not in prepared.links
    }
    if not unlinked:
        return prepared.links
    return prepared.links | linked_citizens(conn, partner_id, unlinked)
