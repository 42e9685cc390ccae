"""Dedupe (滤重) and daily caps across every partner, per citizen. Pure.

The pipeline loads the state that a batch can touch (the citizens' trips, daily usage and
evidence keys), asks `DedupeState.decide` for each claim in order, and writes back what it
recorded. Classes (METHODOLOGY.md):

- interval: the same trip from two sources overlaps by at least half of the shorter one
  (`overlapping_trip`); another mode of the same group overlapping by more than two minutes is
  impossible for one person (`conflicting_trip`).
- daily_total: the record states the day's running total; only the rise above the highest total
  already credited counts (`daily_total_not_higher`).
- evidence_key: one credit per evidence key and scenario (`same_evidence_key`).
- per_day_count, once_per_day: the daily cap alone.
Every class is then held to the daily cap, with partial credit (`capped`).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from carbonledger.ingest.results import Status
from carbonledger.methodology.catalogue import Scenario
from carbonledger.methodology.quantify import apply_cap, daily_total_credit

_CONFLICT_SLACK = timedelta(minutes=2)
_ONE = 1000  # one record, in milli-units


class Trip(NamedTuple):
    """A credited interval behaviour."""

    record_id: str
    citizen_id: str
    group: str
    scenario: str
    started_at: datetime
    ended_at: datetime


class Usage(NamedTuple):
    """What a citizen has been credited for one scenario on one local day (milli-units); for a
    daily total, the highest total credited. `last_record` is the record that set it."""

    used_milli: int
    last_record: str


class Claim(NamedTuple):
    """A linked, plausible record asking to be credited."""

    record_id: str
    citizen_id: str
    scenario: Scenario
    day: date
    occurred_at: datetime
    ended_at: datetime | None
    quantity_milli: int
    evidence_key: str | None


class Decision(NamedTuple):
    """`credited_milli` > 0 exactly when the claim is accepted."""

    status: Status
    reason: str | None = None
    duplicate_of: str | None = None
    credited_milli: int = 0
    capped: bool = False


UsageKey = tuple[str, date, str]


class TripIndex:
    """One citizen's trips of one dedupe group, sorted by start. A look-up bisects to the trips
    that start before the claim ends and no earlier than the longest trip held could reach back,
    so its cost grows with the log of the trips held and the trips near the claim, never with
    the citizen's whole history."""

    __slots__ = ("_longest", "_starts", "_trips")

    def __init__(self) -> None:
        self._starts: list[tuple[datetime, str]] = []
        self._trips: dict[tuple[datetime, str], Trip] = {}
        self._longest = timedelta(0)

    def add(self, trip: Trip) -> None:
        key = (trip.started_at, trip.record_id)
        if key in self._trips:
            return
        insort(self._starts, key)
        self._trips[key] = trip
        self._longest = max(self._longest, trip.ended_at - trip.started_at)

    def overlapping(self, start: datetime, end: datetime) -> Iterator[Trip]:
        """The trips that overlap [start, end), earliest start first."""
        low = bisect_left(self._starts, (start - self._longest, ""))
        high = bisect_left(self._starts, (end, ""))
        for key in self._starts[low:high]:
            trip = self._trips[key]
            if trip.ended_at > start:
                yield trip

    def __len__(self) -> int:
        return len(self._starts)


@dataclass
class DedupeState:
    """The dedupe and cap state of some citizens, updated as claims are accepted."""

    trips: dict[tuple[str, str], TripIndex] = field(default_factory=dict)
    usage: dict[UsageKey, Usage] = field(default_factory=dict)
    evidence: dict[tuple[str, str], str] = field(default_factory=dict)
    new_trips: list[Trip] = field(default_factory=list)
    new_evidence: dict[tuple[str, str], str] = field(default_factory=dict)
    touched_usage: set[UsageKey] = field(default_factory=set)

    @classmethod
    def of(
        cls,
        trips: Iterable[Trip],
        usage: dict[UsageKey, Usage],
        evidence: dict[tuple[str, str], str],
    ) -> DedupeState:
        state = cls(usage=dict(usage), evidence=dict(evidence))
        for trip in trips:
            state._index(trip.citizen_id, trip.group).add(trip)
        return state

    def _index(self, citizen_id: str, group: str) -> TripIndex:
        found = self.trips.get((citizen_id, group))
        if found is None:
            found = self.trips[(citizen_id, group)] = TripIndex()
        return found

    def decide(self, claim: Claim) -> Decision:
        """Decide one claim and, when it is accepted, record it so later claims see it."""
        scenario = claim.scenario
        key = (claim.citizen_id, claim.day, scenario.code)
        usage = self.usage.get(key)
        used = usage.used_milli if usage else 0

        if scenario.dedupe_class == "interval":
            refusal = self._trip_refusal(claim)
            if refusal:
                return refusal
        elif scenario.dedupe_class == "evidence_key":
            assert claim.evidence_key is not None
            first = self.evidence.get((scenario.code, claim.evidence_key))
            if first:
                return Decision(Status.DUPLICATE, "same_evidence_key", first)

        if scenario.dedupe_class == "daily_total":
            if usage and claim.quantity_milli <= usage.used_milli:
                return Decision(Status.DUPLICATE, "daily_total_not_higher", usage.last_record)
            credited = daily_total_credit(used, claim.quantity_milli, scenario.daily_cap_milli)
            capped = claim.quantity_milli > scenario.daily_cap_milli
            new_used = used + max(credited, 0)
        elif scenario.cap_counts_records:
            # A cap of whole records (one appliance a day): all of a record or nothing.
            credited = claim.quantity_milli if used + _ONE <= scenario.daily_cap_milli else 0
            capped = False
            new_used = used + _ONE
        else:
            credited, capped = apply_cap(used, claim.quantity_milli, scenario.daily_cap_milli)
            new_used = used + credited
        if credited <= 0:
            return Decision(Status.REJECTED, "over_daily_cap")

        self.usage[key] = Usage(new_used, claim.record_id)
        self.touched_usage.add(key)
        if scenario.dedupe_class == "interval":
            assert claim.ended_at is not None
            assert scenario.dedupe_group is not None
            trip = Trip(
                claim.record_id,
                claim.citizen_id,
                scenario.dedupe_group,
                scenario.code,
                claim.occurred_at,
                claim.ended_at,
            )
            self._index(claim.citizen_id, trip.group).add(trip)
            self.new_trips.append(trip)
        elif scenario.dedupe_class == "evidence_key":
            assert claim.evidence_key is not None
            self.evidence[(scenario.code, claim.evidence_key)] = claim.record_id
            self.new_evidence[(scenario.code, claim.evidence_key)] = claim.record_id
        return Decision(Status.ACCEPTED, credited_milli=credited, capped=capped)

    def _trip_refusal(self, claim: Claim) -> Decision | None:
        """The same trip already credited (overlap of at least half the shorter one, same
        scenario: the earliest such trip is named), else another mode of the group at the same
        time (overlap over two minutes), else None."""
        assert claim.ended_at is not None
        assert claim.scenario.dedupe_group is not None
        index = self.trips.get((claim.citizen_id, claim.scenario.dedupe_group))
        if index is None:
            return None
        start, end = claim.occurred_at, claim.ended_at
        conflict: Decision | None = None
        for trip in index.overlapping(start, end):
            overlap = min(end, trip.ended_at) - max(start, trip.started_at)
            if overlap <= timedelta(0):
                continue
            if trip.scenario == claim.scenario.code:
                shorter = min(end - start, trip.ended_at - trip.started_at)
                if overlap * 2 >= shorter:
                    return Decision(Status.DUPLICATE, "overlapping_trip", trip.record_id)
            elif overlap > _CONFLICT_SLACK and conflict is None:
                conflict = Decision(Status.REJECTED, "conflicting_trip")
        return conflict
