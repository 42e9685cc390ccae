"""The batch pipeline (DESIGN.md, "the way a record travels"): one database transaction per
signed batch, one result per record, in order.

validate → idempotency → plausibility → link → dedupe and caps → quantify → log → points →
rollups. Every record with a usable external_id is stored with its result, so a retry returns the
first answer and nothing the API acknowledged is lost.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.accounts.repository import linked_citizens
from carbonledger.ids import ulid
from carbonledger.ingest import repository as repo
from carbonledger.ingest.crediting import Candidate, Outcome, credit
from carbonledger.ingest.records import Invalid, Record, validate
from carbonledger.ingest.results import FieldError, Result, Status
from carbonledger.ingest.rollups import Rollups
from carbonledger.methodology.quantify import check_plausibility
from carbonledger.platform import Platform
from carbonledger.review import service as review
from carbonledger.translog import sequencer


@dataclass(frozen=True, slots=True)
class SignedBatch:
    """A batch as the partner signed it, kept for non-repudiation."""

    partner_id: str
    timestamp: int
    nonce: str
    signature: bytes
    body: bytes


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
    """The work of one batch: the rows to write and the results to answer."""

    def __init__(self, platform: Platform, batch_id: str, partner_id: str, now: datetime) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.batch_id = batch_id
        self.partner_id = partner_id
        self.now = now
        self.today = now.astimezone(self.settings.zone).date()
        self.rows: list[dict[str, Any]] = []
        self.by_id: dict[str, dict[str, Any]] = {}
        self.rollups = Rollups()

    def day_of(self, instant: datetime) -> date:
        return instant.astimezone(self.settings.zone).date()

    def store(self, record: Record | Invalid, result: Result, **extra: Any) -> Result:
        """Keep a record that has an external_id, with its result; count it in the rollups."""
        if record.external_id is None or record.content_hash is None:
            return result
        record_id = ulid(self.now)
        if isinstance(record, Record):
            day, region, scenario = self.day_of(record.occurred_at), record.region, record.scenario
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
            day, region, scenario = self.today, None, ""
            fields = {
                "partner_user": record.user,
                "scenario": None,
                "occurred_at": None,
                "ended_at": None,
                "quantity_milli": None,
                "embodied_mg": None,
                "evidence_key": None,
            }
        region = region or self.settings.region
        self.rows.append(
            {
                "id": record_id,
                "partner_id": self.partner_id,
                "external_id": record.external_id,
                "batch_id": self.batch_id,
                "content_hash": record.content_hash,
                "citizen_id": None,
                "credited_milli": None,
                "region": region,
                "day": day,
                "status": result.status.value,
                "reason": result.reason,
                "errors": _errors_json(result.errors),
                "duplicate_of": None,
                "reduction_mg": 0,
                "points": 0,
                "methodology": None,
                "leaf_index": None,
                "capped": False,
                "points_capped": False,
                "received_at": self.now,
                "credited_at": None,
                **fields,
                **extra,
            }
        )
        self.rollups.count((day, region, scenario, self.partner_id), result.status)
        return Result(
            result.external_id, result.status, record_id, result.reason, errors=result.errors
        )

    def admit(
        self, record: Record | Invalid, links: dict[str, tuple[str, bytes]]
    ) -> tuple[Result, Candidate | None]:
        """Store a new record as rejected, pending, or (for now) accepted; an accepted one
        comes back as a candidate for the credit stage."""
        external_id = record.external_id
        if isinstance(record, Invalid):
            rejected = Result(
                external_id, Status.REJECTED, reason=record.reason, errors=record.errors
            )
            return self.store(record, rejected), None
        reason = self.bounds(record)
        if reason:
            return self.store(record, Result(external_id, Status.REJECTED, reason=reason)), None
        link = links.get(record.user)
        if link is None:
            waiting = Result(external_id, Status.PENDING, reason="user_not_linked")
            return self.store(record, waiting), None
        result = self.store(record, Result(external_id, Status.ACCEPTED))
        row = self.rows[-1]
        self.by_id[row["id"]] = row
        candidate = Candidate.of(
            record, row["id"], self.partner_id, link, row["region"], row["day"]
        )
        return result, candidate

    def settle(self, candidate: Candidate, outcome: Outcome) -> Result:
        """Write the credit stage's decision into the candidate's row and the rollups."""
        row = self.by_id[candidate.record_id]
        row["citizen_id"] = candidate.citizen_id
        key = (row["day"], row["region"], candidate.scenario, self.partner_id)
        # The row was counted as accepted when stored; move it if the credit stage said otherwise.
        decided = Status(outcome.decision.status)
        if decided is not Status.ACCEPTED:
            self.rollups.count(key, Status.ACCEPTED, -1)
            self.rollups.count(key, decided)
        row.update(outcome_columns(outcome, self.now))
        credited = candidate.citizen_id if decided is Status.ACCEPTED else None
        self.rollups.credit(key, outcome.reduction_mg, outcome.points, credited)
        return _result(row["external_id"], candidate.record_id, outcome)

    def bounds(self, record: Record) -> str | None:
        if record.occurred_at > self.now + timedelta(seconds=self.settings.clock_skew_seconds):
            return "in_future"
        if record.occurred_at < self.now - timedelta(days=self.settings.retention_days):
            return "too_old"
        scenario = self.platform.catalogue.scenario(record.scenario)
        assert scenario is not None
        return check_plausibility(
            scenario,
            record.quantity_milli,
            record.occurred_at,
            record.ended_at,
            record.embodied_mg,
        )


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
    conn: Connection, platform: Platform, batch: SignedBatch, raw_records: list[Any], now: datetime
) -> list[Result]:
    """Process one signed batch in the caller's transaction; return one result per record."""
    head = sequencer.lock(conn)
    platform.refresh_catalogue(conn)
    batch_id = _insert_batch(conn, batch, len(raw_records), now)
    work = _Batch(platform, batch_id, batch.partner_id, now)
    parsed = [validate(raw, platform.catalogue) for raw in raw_records]
    stored = repo.stored_results(
        conn, batch.partner_id, [p.external_id for p in parsed if p.external_id is not None]
    )
    links = linked_citizens(
        conn, batch.partner_id, (p.user for p in parsed if isinstance(p, Record))
    )
    results: list[Result | None] = [None] * len(parsed)
    first_in_batch: dict[str, tuple[bytes | None, int]] = {}
    candidates: list[tuple[int, Candidate]] = []
    for index, record in enumerate(parsed):
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
        results[index], candidate = work.admit(record, links)
        if candidate is not None:
            candidates.append((index, candidate))

    outcomes, _ = credit(conn, platform.catalogue, head, [c for _, c in candidates], now)
    for (index, candidate), outcome in zip(candidates, outcomes, strict=True):
        results[index] = work.settle(candidate, outcome)
    repo.insert_records(conn, work.rows)
    repo.add_rollups(conn, work.rollups)
    review.flag_credits(conn, platform.catalogue, [c for _, c in candidates], outcomes, now)
    for index, record in enumerate(parsed):
        if results[index] is None:
            assert record.external_id is not None
            first_hash, first_index = first_in_batch[record.external_id]
            earlier = results[first_index]
            assert earlier is not None
            same = first_hash == record.content_hash
            results[index] = earlier.as_replay() if same else _reused(record.external_id)
    return [r for r in results if r is not None]


def outcome_columns(outcome: Outcome, now: datetime) -> dict[str, Any]:
    decision = outcome.decision
    accepted = decision.status == Status.ACCEPTED.value
    return {
        "status": decision.status,
        "reason": decision.reason,
        "duplicate_of": decision.duplicate_of,
        "reduction_mg": outcome.reduction_mg,
        "points": outcome.points,
        "methodology": outcome.methodology,
        "leaf_index": outcome.leaf_index,
        "capped": decision.capped,
        "points_capped": outcome.points_capped,
        "credited_milli": decision.credited_milli if accepted else None,
        "credited_at": now if accepted else None,
    }


def _result(external_id: str, record_id: str, outcome: Outcome) -> Result:
    decision = outcome.decision
    return Result(
        external_id=external_id,
        status=Status(decision.status),
        record=record_id,
        reason=decision.reason,
        duplicate_of=decision.duplicate_of,
        reduction_mg=outcome.reduction_mg,
        points=outcome.points,
        methodology=outcome.methodology,
        leaf_index=outcome.leaf_index,
        capped=decision.capped,
    )
