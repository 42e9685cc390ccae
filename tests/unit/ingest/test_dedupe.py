"""Dedupe and caps against simple models: whatever the order of claims, no trip is credited
twice, no person is in two vehicles at once, daily totals never add up, and caps hold."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from carbonledger.ingest.dedupe import Claim, DedupeState
from carbonledger.methodology.catalogue import Catalogue

CATALOGUE = Catalogue.load()
DAY = date(2026, 11, 2)
MIDNIGHT = datetime(2026, 11, 2, tzinfo=UTC)


def _scenario(code: str):
    found = CATALOGUE.scenario(code)
    assert found is not None
    return found


def _trip(number: int, code: str, start_min: int, minutes: int, citizen: str = "c") -> Claim:
    start = MIDNIGHT + timedelta(minutes=start_min)
    quantity = minutes * 200 if code == "cycling" else 1000  # 12 km/h, or one trip
    return Claim(
        f"r{number}",
        citizen,
        _scenario(code),
        DAY,
        start,
        start + timedelta(minutes=minutes),
        quantity,
        None,
    )


def _overlap(a: Claim, b: Claim) -> timedelta:
    assert a.ended_at and b.ended_at
    return min(a.ended_at, b.ended_at) - max(a.occurred_at, b.occurred_at)


trips = st.lists(
    st.tuples(
        st.sampled_from(["cycling", "bus", "metro"]), st.integers(0, 600), st.integers(2, 60)
    ),
    max_size=25,
)


@settings(max_examples=300)
@given(trips)
def test_interval_model(spec: list[tuple[str, int, int]]) -> None:
    state = DedupeState()
    claims = [_trip(i, code, start, minutes) for i, (code, start, minutes) in enumerate(spec)]
    accepted: list[Claim] = []
    for claim in claims:
        decision = state.decide(claim)
        # The model: compare with every earlier accepted trip.
        same = [
            a
            for a in accepted
            if a.scenario.code == claim.scenario.code
            and _overlap(a, claim) > timedelta(0)
            and _overlap(a, claim) * 2
            >= min(a.ended_at - a.occurred_at, claim.ended_at - claim.occurred_at)
        ]  # type: ignore[operator]
        other = [
            a
            for a in accepted
            if a.scenario.code != claim.scenario.code and _overlap(a, claim) > timedelta(minutes=2)
        ]
        used = sum(a.quantity_milli for a in accepted if a.scenario.code == claim.scenario.code)
        cap = claim.scenario.daily_cap_milli
        if same:
            assert (decision.status, decision.reason) == ("duplicate", "overlapping_trip")
            assert decision.duplicate_of in {a.record_id for a in same}
        elif other:
            assert (decision.status, decision.reason) == ("rejected", "conflicting_trip")
        elif used >= cap:
            assert (decision.status, decision.reason) == ("rejected", "over_daily_cap")
        else:
            assert decision.status == "accepted"
            assert decision.credited_milli == min(claim.quantity_milli, cap - used)
            assert decision.capped == (claim.quantity_milli > cap - used)
            accepted.append(claim)


@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(1, 60_000)), max_size=20))
def test_daily_totals_never_add_up(reports: list[tuple[str, int]]) -> None:
    state = DedupeState()
    walking = _scenario("walking")
    cap = walking.daily_cap_milli
    credited = 0
    highest = 0
    for number, (_counter, steps) in enumerate(reports):
        claim = Claim(f"w{number}", "c", walking, DAY, MIDNIGHT, None, steps * 1000, None)
        decision = state.decide(claim)
        if steps * 1000 <= highest:
            assert (decision.status, decision.reason) == ("duplicate", "daily_total_not_higher")
        elif highest >= cap:
            assert (decision.status, decision.reason) == ("rejected", "over_daily_cap")
        else:
            assert decision.credited_milli == min(steps * 1000, cap) - highest
            credited += decision.credited_milli
            highest = min(steps * 1000, cap)
    assert credited == min(max([s * 1000 for _, s in reports], default=0), cap)


@given(st.lists(st.sampled_from(["k1", "k2", "k3"]), max_size=12))
def test_evidence_keys_credit_once(keys: list[str]) -> None:
    state = DedupeState()
    scenario = _scenario("returned_box")
    first: dict[str, str] = {}
    for number, key in enumerate(keys):
        decision = state.decide(Claim(f"e{number}", "c", scenario, DAY, MIDNIGHT, None, 1000, key))
        if key in first:
            assert decision.status == "duplicate" and decision.duplicate_of == first[key]
        elif len(first) * 1000 >= scenario.daily_cap_milli:
            assert decision.reason == "over_daily_cap"
        else:
            assert decision.status == "accepted"
            first[key] = f"e{number}"


@given(st.lists(st.integers(1, 8), max_size=10))
def test_counted_behaviours_hold_the_cap_with_partial_credit(counts: list[int]) -> None:
    state = DedupeState()
    scenario = _scenario("garbage_sorting")  # 10 kg a day
    total = defaultdict(int)
    for number, kg in enumerate(counts):
        decision = state.decide(
            Claim(f"g{number}", "c", scenario, DAY, MIDNIGHT, None, kg * 1000, None)
        )
        total["credited"] += decision.credited_milli
        assert total["credited"] <= scenario.daily_cap_milli
    assert total["credited"] == min(sum(counts) * 1000, scenario.daily_cap_milli)


def test_nev_charging_never_conflicts_with_trips() -> None:
    state = DedupeState()
    assert state.decide(_trip(1, "cycling", 0, 30)).status == "accepted"
    charging = _scenario("nev_charging")
    claim = Claim("n", "c", charging, DAY, MIDNIGHT, MIDNIGHT + timedelta(minutes=60), 20_000, None)
    assert state.decide(claim).status == "accepted"


def test_other_citizens_do_not_interfere() -> None:
    state = DedupeState()
    assert state.decide(_trip(1, "cycling", 0, 30, citizen="a")).status == "accepted"
    assert state.decide(_trip(2, "cycling", 0, 30, citizen="b")).status == "accepted"
