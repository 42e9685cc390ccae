"""The simulator's tally: answers counted by status and reason, latency percentiles by nearest
rank, partners combined."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carbonledger.simulate.tally import Tally

ANSWER = {
    "results": [
        {"external_id": "a", "status": "accepted", "points": 3},
        {"external_id": "b", "status": "duplicate", "reason": "overlapping_trip"},
        {"external_id": "c", "status": "pending", "reason": "user_not_linked", "replayed": True},
        {"external_id": "d", "status": "accepted", "replayed": True},
    ],
    "summary": {"accepted": 2, "duplicate": 1, "pending": 1, "rejected": 0},
}


def test_answers_are_counted_by_status_reason_and_replay() -> None:
    tally = Tally("bikeshare", seconds=2.0)
    tally.add(ANSWER, 12.5)
    tally.add(ANSWER, 30.0)
    assert tally.records == 8 and tally.batches == 2 and tally.rate == 4.0
    assert tally.statuses == {"accepted": 4, "duplicate": 2, "pending": 2}
    assert tally.reasons == {
        ("duplicate", "overlapping_trip"): 2,
        ("pending", "user_not_linked"): 2,
    }
    assert tally.replayed == 4


def test_percentiles_by_nearest_rank() -> None:
    tally = Tally("p", latencies_ms=[float(v) for v in range(100, 0, -1)])
    assert (tally.percentile(0.5), tally.percentile(0.95), tally.percentile(0.99)) == (50, 95, 99)
    assert Tally("empty").percentile(0.5) == 0.0 and Tally("empty").rate == 0.0


@given(
    st.lists(st.floats(0, 1e5), min_size=1, max_size=50),
    st.floats(0.01, 1.0),
    st.floats(0.01, 1.0),
)
def test_a_percentile_is_a_latency_and_grows_with_the_share(
    latencies: list[float], low: float, high: float
) -> None:
    low, high = min(low, high), max(low, high)
    tally = Tally("p", latencies_ms=latencies)
    assert tally.percentile(low) in latencies
    assert tally.percentile(low) <= tally.percentile(high) <= max(latencies)


def test_partners_combined_add_up_over_the_longest_run() -> None:
    bikes, maps = Tally("bikeshare", seconds=3.0), Tally("maps-a", seconds=5.0, retries=2)
    bikes.add(ANSWER, 10.0)
    maps.add(ANSWER, 20.0)
    maps.add(ANSWER, 40.0)
    everyone = Tally.combined([bikes, maps])
    assert everyone.partner_id == "all"
    assert everyone.statuses == bikes.statuses + maps.statuses
    assert everyone.reasons == bikes.reasons + maps.reasons
    assert (everyone.replayed, everyone.retries, everyone.batches) == (6, 2, 3)
    assert everyone.seconds == 5.0 and everyone.rate == 12 / 5
