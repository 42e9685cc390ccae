"""The credit stage shared by a new batch and by a link that releases pending records: dedupe
and caps, quantification by the version in force, the log leaf, the points award.

Runs under the sequencer lock, so the dedupe decisions and the log append are one serial step.

Points: the award rules in force, the daily points cap and the campaigns active at each credit's
time (points/awards.py). The leaf carries the base points, paid from issuance, so the log's points
equal the issuance account's movements; campaign bonuses are paid from their budgets by transfers
naming the same leaf. The record and the partner's result carry the total the citizen got.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.accounts.protection import pseudonym
from carbonledger.ingest import repository as repo
from carbonledger.ingest.dedupe import Claim, Decision
from carbonledger.methodology.catalogue import Catalogue
from carbonledger.methodology.quantify import methodology_name, reduction_mg
from carbonledger.points import ledger
from carbonledger.points.awarding import Awarding
from carbonledger.points.awards import award_transfers
from carbonledger.points.postings import Transfer
from carbonledger.translog import sequencer
from carbonledger.translog.leaves import Leaf
from carbonledger.translog.sequencer import LogHead

_MILLI = 1000


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored-or-about-to-be-stored record of a linked citizen, asking to be credited."""

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

    @classmethod
    def of(
        cls,
        record: Any,
        record_id: str,
        partner_id: str,
        citizen: tuple[str, bytes],
        region: str,
        day: date,
    ) -> Candidate:
        """From anything that carries a record's fields: a validated record or a stored row."""
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


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the credit stage decided for one candidate. `points` is the total awarded (base and
    campaign bonuses); `points_capped` says the daily points cap cut the award — unlike the
    decision's `capped`, the dedupe cap on the credited quantity, which the partner is told."""

    decision: Decision
    reduction_mg: int = 0
    points: int = 0
    methodology: str | None = None
    leaf_index: int | None = None
    points_capped: bool = False


def credit(
    conn: Connection,
    catalogue: Catalogue,
    head: LogHead,
    candidates: Sequence[Candidate],
    now: datetime,
) -> tuple[list[Outcome], LogHead]:
    """Decide every candidate in order, append the credits to the log, award their points."""
    if not candidates:
        return [], head
    intervals = [c for c in candidates if c.ended_at is not None]
    window = (
        (min(c.occurred_at for c in intervals), max(c.ended_at for c in intervals if c.ended_at))
        if intervals
        else None
    )
    state = repo.load_dedupe(
        conn,
        (c.citizen_id for c in candidates),
        (c.day for c in candidates),
        window,
        ((c.scenario, c.evidence_key) for c in candidates if c.evidence_key is not None),
    )
    awarding = Awarding.load(conn, [(c.citizen_id, c.day, c.occurred_at) for c in candidates])
    outcomes: list[Outcome] = []
    leaves: list[bytes] = []
    transfers: list[Transfer] = []
    accounts: dict[bytes, str] = {}
    for candidate in candidates:
        scenario = catalogue.scenario(candidate.scenario)
        assert scenario is not None, "candidates are validated against the catalogue"
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
        if decision.status != "accepted":
            outcomes.append(Outcome(decision))
            continue
        version = catalogue.version_at(scenario.code, candidate.day)
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
        leaf_index = head.size + len(leaves)
        if candidate.pseudonym_key not in accounts:
            accounts[candidate.pseudonym_key] = pseudonym(candidate.pseudonym_key)
        name = methodology_name(scenario.code, version)
        leaves.append(
            Leaf(
                kind="credit",
                record=candidate.record_id,
                partner=candidate.partner_id,
                account=accounts[candidate.pseudonym_key],
                scenario=scenario.code,
                methodology=name,
                quantity=decision.credited_milli / _MILLI,
                unit=scenario.unit,
                reduction_mg=grams_mg,
                points=awarded.base,
                day=candidate.day,
                region=candidate.region,
                time=candidate.occurred_at,
            ).encode()
        )
        transfers += award_transfers(
            awarded,
            citizen_id=candidate.citizen_id,
            record_id=candidate.record_id,
            leaf_index=leaf_index,
            at=candidate.occurred_at,
        )
        outcomes.append(
            Outcome(decision, grams_mg, awarded.total, name, leaf_index, awarded.capped)
        )
    new_head = sequencer.append(conn, head, leaves, now)
    repo.save_dedupe(conn, state)
    ledger.post(conn, transfers, now)
    awarding.save(conn)
    return outcomes, new_head
