"""Which credits the pipeline flags for review: a credit that reached the daily cap, and a
plausible behaviour in the outer tenth of a bound (speed, power, duration, quantity, embodied
emissions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from carbonledger.methodology.catalogue import Catalogue, Scenario
from carbonledger.methodology.quantify import check_plausibility
from carbonledger.review.rules import flag_for

CATALOGUE = Catalogue.load()
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _scenario(code: str) -> Scenario:
    found = CATALOGUE.scenario(code)
    assert found is not None
    return found


def _ride(km: float, minutes: float, capped: bool = False) -> tuple[tuple[str, ...], str] | None:
    flag = flag_for(
        _scenario("cycling"),
        round(km * 1000),
        START,
        START + timedelta(minutes=minutes),
        None,
        capped=capped,
    )
    return None if flag is None else (flag.reasons, flag.detail)


def test_an_ordinary_ride_is_not_flagged() -> None:
    assert _ride(10, 40) is None


def test_a_fast_long_ride_names_both_bounds() -> None:
    assert _ride(45, 100) == (("near_bound",), "45 km / max 50; 27 km/h / max 30")


def test_a_ride_barely_faster_than_walking_is_flagged() -> None:
    assert _ride(1, 19) == (("near_bound",), "3.2 km/h / min 3")


def test_a_capped_credit_is_flagged_with_the_cap() -> None:
    assert _ride(10, 40, capped=True) == (("capped",), "daily cap 50 km")


def test_a_bus_trip_is_judged_by_its_duration_not_its_quantity() -> None:
    bus = _scenario("bus")
    long_trip = flag_for(bus, 1000, START, START + timedelta(minutes=220), None, capped=False)
    assert long_trip is not None
    assert long_trip.detail == "220 min / max 240"
    assert flag_for(bus, 1000, START, START + timedelta(minutes=50), None, capped=False) is None


def test_an_item_near_the_embodied_bound_is_flagged() -> None:
    item = flag_for(_scenario("secondhand"), 1000, START, None, 480_000_000, capped=False)
    assert item is not None
    assert item.detail == "480,000 g embodied / max 500,000"


@given(
    metres=st.integers(min_value=100, max_value=50_000),
    seconds=st.integers(min_value=60, max_value=20 * 3600),
)
def test_a_plausible_ride_is_flagged_exactly_in_the_outer_tenth(metres: int, seconds: int) -> None:
    cycling = _scenario("cycling")
    ended = START + timedelta(seconds=seconds)
    if check_plausibility(cycling, metres, START, ended, None) is not None:
        return
    speed = metres / 1000 / (seconds / 3600)
    expected = metres >= 45_000 or speed >= 27 or speed <= 3.3
    assert (flag_for(cycling, metres, START, ended, None, capped=False) is not None) == expected
