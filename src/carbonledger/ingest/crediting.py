"""The crediting service: the one way a record becomes a credit, or stops being one.

`Crediting.begin` takes the sequencer lock and refreshes the catalogue; it is the only place
that locks. In the same transaction, `decide` takes a list of candidates, in order: dedupe and
caps, quantification by the version in force, the log leaves, the points, the review flags and
the rollups, and returns each outcome with the columns of its record's row; `reverse` withdraws
a credit. A new batch (pipeline), a link that releases pending records (pending), a reversal
(review), an import and the demo all come here; none of them locks or settles on its own.

Points: the award rules in force, the daily points cap and the campaigns active at each credit's
time (points/awards.py). The leaf carries the base points, paid from issuance, so the log's points
equal the issuance account's movements; campaign bonuses are paid from their budgets by transfers
naming the same leaf. The record and the partner's result carry the total the citizen got.

Reversal: a reversal leaf (negative grams and points, naming the leaf it reverses), the points
clawed back from the citizen, the record marked `rejected` / `reversed`, the rollups corrected,
and, for a credit in an issued lot, buffer units of the lot cancelled to cover it.
The clawback takes back the base points (to issuance) and the campaign bonuses (to their budgets)
as far as the balance holds, base first; the reversal leaf carries minus the base clawed back, so
the log and the issuance account keep agreeing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection

from carbonledger.errors import Conflict, NotFound
from carbonledger.ingest import repository as repo
from carbonledger.ingest.dedupe import Claim, Decision
from carbonledger.ingest.records import Record
from carbonledger.ingest.results import Result, Status
from carbonledger.ingest.rollups import RollupKey, Rollups
from carbonledger.market.lots import cover_reversal
from carbonledger.methodology.catalogue import Catalogue
from carbonledger.methodology.quantify import methodology_name, reduction_mg
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points.awarding import Awarding, claw_back
from carbonledger.points.awards import award_transfers
from carbonledger.points.postings import Transfer
from carbonledger.review import repository as review_repo
from carbonledger.review.rules import flag_for
from carbonledger.translog import repository as log_repo
from carbonledger.translog import sequencer
from carbonledger.translog.leaves import credit_leaf, reversal_leaf

_MILLI = 1000

# Seconds spent in each stage of crediting by this process, for benchmarks and metrics.
STAGE_SECONDS: defaultdict[str, float] = defaultdict(float)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Add the time the block takes to `STAGE_SECONDS[name]`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS[name] += time.perf_counter() - started


class Candidate(NamedTuple):
    """A record of a linked citizen asking to be credited: new in this batch, or stored and
    waiting (pending) until its partner user was linked."""

    record_id: str
    partner_id: str
    citizen_id: str
    pseudonym_key: bytes
    scenario: str
    occurred_at: datetime
    ended_at: datetime | None
    quantity_milli: int
    evidence_key: str | None
    embodied_mg: int | None
    region: str
    day: date
    waiting: bool = False

    @classmethod
    def from_record(
        cls,
        record: Record,
        record_id: str,
        partner_id: str,
        citizen: tuple[str, bytes],
        region: str,
        day: date,
    ) -> Candidate:
        """A validated record of a new batch."""
        return cls(
            record_id=record_id,
            partner_id=partner_id,
            citizen_id=citizen[0],
            pseudonym_key=citizen[1],
            scenario=record.scenario,
            occurred_at=record.occurred_at,
            ended_at=record.ended_at,
            quantity_milli=record.quantity_milli,
            evidence_key=record.evidence_key,
            embodied_mg=record.embodied_mg,
            region=region,
            day=day,
        )

    @classmethod
    def from_row(cls, row: Any, citizen: tuple[str, bytes]) -> Candidate:
        """A stored pending record, released by a link to `citizen`."""
        return cls(
            record_id=row.id,
            partner_id=row.partner_id,
            citizen_id=citizen[0],
            pseudonym_key=citizen[1],
            scenario=row.scenario,
            occurred_at=row.occurred_at,
            ended_at=row.ended_at,
            quantity_milli=row.quantity_milli,
            evidence_key=row.evidence_key,
            embodied_mg=row.embodied_mg,
            region=row.region,
            day=row.day,
            waiting=True,
        )

    @property
    def rollup_key(self) -> RollupKey:
        return (self.day, self.region, self.scenario, self.partner_id)


class Outcome(NamedTuple):
    """What the crediting service decided for one candidate. `points` is the total awarded (base
    and campaign bonuses); `points_capped` says the daily points cap cut the award — unlike the
    decision's `capped`, the dedupe cap on the credited quantity, which the partner is told."""

    decision: Decision
    citizen_id: str | None = None
    reduction_mg: int = 0
    points: int = 0
    methodology: str | None = None
    leaf_index: int | None = None
    points_capped: bool = False

    @property
    def status(self) -> Status:
        return self.decision.status

    def columns(self, now: datetime) -> dict[str, Any]:
        """The record row's columns that say what became of it."""
        decision = self.decision
        accepted = decision.status is Status.ACCEPTED
        return {
            "citizen_id": self.citizen_id,
            "status": decision.status.value,
            "reason": decision.reason,
            "duplicate_of": decision.duplicate_of,
            "reduction_mg": self.reduction_mg,
            "points": self.points,
            "methodology": self.methodology,
            "leaf_index": self.leaf_index,
            "capped": decision.capped,
            "points_capped": self.points_capped,
            "credited_milli": decision.credited_milli if accepted else None,
            "credited_at": now if accepted else None,
        }

    def result(self, external_id: str, record_id: str) -> Result:
        """The partner's answer for the record."""
        decision = self.decision
        return Result(
            external_id=external_id,
            status=decision.status,
            record=record_id,
            reason=decision.reason,
            duplicate_of=decision.duplicate_of,
            reduction_mg=self.reduction_mg,
            points=self.points,
            methodology=self.methodology,
            leaf_index=self.leaf_index,
            capped=decision.capped,
        )


@dataclass
class Settled:
    """What the caller settled itself, written together with the service's writes: new record
    rows (the new candidates' rows among them, which `decide` completes), updates of stored
    rows (by `record_id`), and rollup changes."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    rollups: Rollups = field(default_factory=Rollups)


def refused(reason: str) -> Outcome:
    """The outcome of a record refused without being decided (a pending one whose window
    passed)."""
    return Outcome(Decision(Status.REJECTED, reason))


class Crediting:
    """The crediting service for one write transaction; `begin` opens it."""

    def __init__(
        self, conn: Connection, catalogue: Catalogue, head: sequencer.LogHead, now: datetime
    ) -> None:
        self.conn = conn
        self.catalogue = catalogue
        self.head = head
        self.now = now

    @classmethod
    def begin(cls, conn: Connection, platform: Platform, now: datetime) -> Crediting:
        """Take the sequencer lock for the rest of the transaction and refresh the catalogue."""
        with stage("lock_wait"):
            head = sequencer.lock(conn)
        return cls(conn, platform.refresh_catalogue(conn), head, now)

    def decide(self, candidates: Sequence[Candidate], settled: Settled) -> list[Outcome]:
        """Decide every candidate in order and write what follows (dedupe state, leaves,
        points, the records' rows with each outcome's `columns`, review flags, rollups),
        together with what the caller `settled` itself; return the outcomes in order."""
        conn, now = self.conn, self.now
        with stage("dedupe"):
            state = repo.load_dedupe(conn, candidates)
        with stage("points"):
            awarding = Awarding.load(
                conn, [(c.citizen_id, c.day, c.occurred_at) for c in candidates]
            )
        outcomes: list[Outcome] = []
        leaves: list[bytes] = []
        transfers: list[Transfer] = []
        for candidate in candidates:
            scenario = self.catalogue.scenario(candidate.scenario)
            assert scenario is not None, "candidates are validated against the catalogue"
            started = time.perf_counter()
            decision = state.decide(
                Claim(
                    candidate.record_id,
                    candidate.citizen_id,
                    scenario,
                    candidate.day,
                    candidate.occurred_at,
                    candidate.ended_at,
                    candidate.quantity_milli,
                    candidate.evidence_key,
                )
            )
            decided = time.perf_counter()
            STAGE_SECONDS["dedupe"] += decided - started
            if decision.status is not Status.ACCEPTED:
                outcomes.append(Outcome(decision, candidate.citizen_id))
                continue
            version = self.catalogue.version_at(scenario.code, candidate.day)
            grams_mg = reduction_mg(version, decision.credited_milli, candidate.embodied_mg)
            awarded = awarding.award(
                grams_mg,
                citizen_id=candidate.citizen_id,
                day=candidate.day,
                scenario=scenario.code,
                category=scenario.category,
                region=candidate.region,
                at=candidate.occurred_at,
            )
            leaf_index = self.head.size + len(leaves)
            transfers += award_transfers(
                awarded,
                citizen_id=candidate.citizen_id,
                record_id=candidate.record_id,
                leaf_index=leaf_index,
                at=candidate.occurred_at,
            )
            awarded_at = time.perf_counter()
            STAGE_SECONDS["points"] += awarded_at - decided
            name = methodology_name(scenario.code, version)
            leaves.append(
                credit_leaf(
                    record_id=candidate.record_id,
                    partner=candidate.partner_id,
                    pseudonym_key=candidate.pseudonym_key,
                    scenario=scenario.code,
                    methodology=name,
                    quantity=decision.credited_milli / _MILLI,
                    unit=scenario.unit,
                    reduction_mg=grams_mg,
                    points=awarded.base,
                    day=candidate.day,
                    region=candidate.region,
                )
            )
            STAGE_SECONDS["quantify_and_leaf"] += time.perf_counter() - awarded_at
            outcomes.append(
                Outcome(
                    decision,
                    candidate.citizen_id,
                    grams_mg,
                    awarded.total,
                    name,
                    leaf_index,
                    awarded.capped,
                )
            )
        with stage("log"):
            self.head = sequencer.append(conn, self.head, leaves, now)
        with stage("writes"):
            repo.save_dedupe(conn, state)
            ledger.post(conn, transfers, now)
            awarding.save(conn, now)
            self._settle(candidates, outcomes, settled)
            repo.insert_records(conn, settled.rows)
            repo.update_outcomes(conn, settled.updates)
            review_repo.insert_flags(conn, self._flags(candidates, outcomes))
            repo.add_rollups(conn, settled.rollups)
        return outcomes

    def _settle(
        self, candidates: Sequence[Candidate], outcomes: Sequence[Outcome], settled: Settled
    ) -> None:
        rows = {row["id"]: row for row in settled.rows}
        rollups = settled.rollups
        for candidate, outcome in zip(candidates, outcomes, strict=True):
            columns = outcome.columns(self.now)
            key = candidate.rollup_key
            if candidate.waiting:
                settled.updates.append({"record_id": candidate.record_id, **columns})
                rollups.count(key, Status.PENDING, -1)
            else:
                rows[candidate.record_id].update(columns)
            rollups.count(key, outcome.status)
            credited = candidate.citizen_id if outcome.status is Status.ACCEPTED else None
            rollups.credit(key, outcome.reduction_mg, outcome.points, credited)

    def _flags(
        self, candidates: Sequence[Candidate], outcomes: Sequence[Outcome]
    ) -> list[dict[str, Any]]:
        """Review flags for the new credits that stand out (review.rules)."""
        rows = []
        for candidate, outcome in zip(candidates, outcomes, strict=True):
            if outcome.status is not Status.ACCEPTED:
                continue
            scenario = self.catalogue.scenario(candidate.scenario)
            assert scenario is not None
            found = flag_for(
                scenario,
                candidate.quantity_milli,
                candidate.occurred_at,
                candidate.ended_at,
                candidate.embodied_mg,
                capped=outcome.decision.capped,
            )
            if found is not None:
                rows.append(
                    {
                        "record_id": candidate.record_id,
                        "reasons": ",".join(found.reasons),
                        "detail": found.detail,
                        "status": "open",
                        "flagged_at": self.now,
                    }
                )
        return rows

    def reverse(self, record_id: str, reason: str) -> int:
        """Reverse an accepted record's credit; return the reversal's leaf index."""
        conn, now = self.conn, self.now
        reason = reason.strip()
        if not reason:
            raise Conflict("a reversal needs a reason", code="reason_required")
        row = repo.record_by_id(conn, record_id)
        if row is None:
            raise NotFound(f"no record has the id {record_id!r}", code="unknown_record")
        if row.status != Status.ACCEPTED.value or row.leaf_index is None:
            raise Conflict(
                f"record {record_id} is {row.status} ({row.reason}); only an accepted "
                "credit can be reversed",
                code="not_reversible",
            )
        leaf_index = self.head.size
        taken = claw_back(
            conn,
            citizen_id=row.citizen_id,
            record_id=record_id,
            at=row.occurred_at,
            leaf_index=leaf_index,
            reason=reason,
            now=now,
        )
        reversal = reversal_leaf(log_repo.entry(conn, row.leaf_index), row.leaf_index, taken.base)
        self.head = sequencer.append(conn, self.head, [reversal], now)
        repo.mark_reversed(conn, record_id, leaf_index, reason, taken.total, now)
        changes = Rollups()
        key = (row.day, row.region, row.scenario, row.partner_id)
        changes.count(key, Status.ACCEPTED, -1)
        changes.count(key, Status.REJECTED)
        changes.credit(key, -row.reduction_mg, -taken.total)
        repo.add_rollups(conn, changes)
        # A credit already in an issued lot is covered by cancelling the lot's buffer units.
        cover_reversal(conn, row.leaf_index, now)
        return leaf_index


def reverse(
    conn: Connection, platform: Platform, record_id: str, reason: str, now: datetime
) -> int:
    """Reverse an accepted record's credit in the caller's transaction (the service's lock
    taken); return the reversal's leaf index."""
    return Crediting.begin(conn, platform, now).reverse(record_id, reason)
