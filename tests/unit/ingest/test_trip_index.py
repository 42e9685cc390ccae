"""The trip index against the simple scan it replaces: for random trip sets (overlaps,
conflicts, equal bounds, trips of other groups and other citizens, long and short ones) every
claim gets exactly the decision the scan over all of the citizen's trips gives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from carbonledger.ingest.dedupe import Claim, Decision, DedupeState, Trip, TripIndex
from carbonledger.ingest.results import Status
from carbonledger.methodology.catalogue import Catalogue

CATALOGUE = Catalogue.load()
MIDNIGHT = datetime(2026, 11, 2, tzinfo=UTC)
SCENARIOS = ("cycling", "bus", "metro", "nev_charging")
_SLACK = timedelta(minutes=2)


def _scenario(code: str):  # type: ignore[no-untyped-def]
    found = CATALOGUE.scenario(code)
    assert found is not None
    return found


def scan(trips: list[Trip], claim: Claim) -> Decision | None:
    """The reference: every trip of the citizen, earliest start first."""
    assert claim.ended_at is not None
    start, end = claim.occurred_at, claim.ended_at
    conflict = None
    for trip in sorted(trips, key=lambda t: (t.started_at, t.record_id)):
        if trip.citizen_id != claim.citizen_id or trip.group != claim.scenario.dedupe_group:
            continue
        overlap = min(end, trip.ended_at) - max(start, trip.started_at)
        if overlap <= timedelta(0):
            continue
        if trip.scenario == claim.scenario.code:
            if overlap * 2 >= min(end - start, trip.ended_at - trip.started_at):
                return Decision(Status.DUPLICATE, "overlapping_trip", trip.record_id)
        elif overlap > _SLACK and conflict is None:
            conflict = Decision(Status.REJECTED, "conflicting_trip")
    return conflict


# Starts on a coarse grid, so equal bounds and exact touching are common.
trip_specs = st.lists(
    st.tuples(
        st.sampled_from(SCENARIOS),
        st.sampled_from(["a", "b"]),
        st.integers(0, 200).map(lambda n: n * 5),
        st.sampled_from([1, 2, 3, 5, 10, 30, 60, 240, 1440]),
    ),
    max_size=60,
)


def _trip(number: int, code: str, citizen: str, start_min: int, minutes: int) -> Trip:
    scenario = _scenario(code)
    start = MIDNIGHT + timedelta(minutes=start_min)
    assert scenario.dedupe_group is not None
    return Trip(
        f"t{number:03d}",
        citizen,
        scenario.dedupe_group,
        code,
        start,
        start + timedelta(minutes=minutes),
    )


def _claim(code: str, citizen: str, start_min: int, minutes: int) -> Claim:
    start = MIDNIGHT + timedelta(minutes=start_min)
    return Claim(
        "claim",
        citizen,
        _scenario(code),
        date(2026, 11, 2),
        start,
        start + timedelta(minutes=minutes),
        1000,
        None,
    )


@settings(max_examples=400, deadline=None)
@given(trip_specs, trip_specs)
def test_the_index_decides_as_the_scan(
    stored: list[tuple[str, str, int, int]], claims: list[tuple[str, str, int, int]]
) -> None:
    trips = [_trip(i, *spec) for i, spec in enumerate(stored)]
    state = DedupeState.of(trips, {}, {})
    for code, citizen, start, minutes in claims:
        claim = _claim(code, citizen, start, minutes)
        assert state._trip_refusal(claim) == scan(trips, claim)


@settings(max_examples=200, deadline=None)
@given(trip_specs, st.integers(0, 1000), st.integers(1, 300))
def test_overlapping_is_exactly_the_trips_that_overlap(
    stored: list[tuple[str, str, int, int]], start_min: int, minutes: int
) -> None:
    index = TripIndex()
    trips = [_trip(i, *spec) for i, spec in enumerate(stored)]
    for trip in trips:
        index.add(trip)
    start = MIDNIGHT + timedelta(minutes=start_min)
    end = start + timedelta(minutes=minutes)
    found = list(index.overlapping(start, end))
    expected = sorted(
        (t for t in trips if t.started_at < end and t.ended_at > start),
        key=lambda t: (t.started_at, t.record_id),
    )
    assert found == expected


def test_a_claim_looks_only_near_itself() -> None:
    """A citizen with a year of trips: a claim's look-up visits the trips near it, not all."""
    index = TripIndex()
    for day in range(365):
        for hour in (8, 18):
            start = MIDNIGHT + timedelta(days=day, hours=hour)
            index.add(
                Trip(f"r{day}-{hour}", "c", "trip", "cycling", start, start + timedelta(minutes=30))
            )
    visited = []
    start = MIDNIGHT + timedelta(days=200, hours=8, minutes=10)
    original = index._trips.__getitem__

    class Counting(dict):  # type: ignore[type-arg]
        def __getitem__(self, key):  # type: ignore[no-untyped-def]
            visited.append(key)
            return original(key)

    index._trips = Counting(index._trips)
    assert [t.record_id for t in index.overlapping(start, start + timedelta(minutes=20))] == [
        "r200-8"
    ]
    assert len(index) == 730
    assert len(visited) <= 3
