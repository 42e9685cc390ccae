"""Expiry: points of year Y expire when Y + 2 begins, oldest first; the job is safe to run twice;
citizens see what expires when. Checked against a model that keeps each year's points as a lot."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonledger.points.expiry import (
    Expiring,
    ExpiryError,
    deadline,
    due,
    due_by_year,
    expiring,
    expiry_transfers,
    last_day,
    remaining_by_year,
    schedule,
)
from carbonledger.points.postings import EXPIRED, balance_changes

EARNED = {2024: 100, 2025: 50, 2026: 20}


def test_points_of_a_year_last_until_the_end_of_the_next() -> None:
    assert last_day(2026) == date(2027, 12, 31)
    assert deadline(2026) == date(2028, 1, 1)


def test_outflows_use_the_oldest_points_first() -> None:
    assert remaining_by_year(EARNED, 130) == {2024: 0, 2025: 20, 2026: 20}
    assert expiring(EARNED, 130, 2026) == {2025: 20, 2026: 20}
    assert expiring(EARNED, 30, 2025) == {2024: 70, 2025: 50}


def test_nothing_is_due_before_the_deadline() -> None:
    assert due(EARNED, 30, date(2025, 12, 31)) == 0
    assert due(EARNED, 30, date(2026, 1, 1)) == 70
    assert due_by_year(EARNED, 30, date(2027, 1, 1)) == {2024: 70, 2025: 50}


def test_running_the_job_twice_expires_nothing_more() -> None:
    today = date(2026, 1, 1)
    first = due(EARNED, 30, today)
    assert first == 70
    # The job posted `first` as expiry transfers: they are outflows now.
    assert due(EARNED, 30 + first, today) == 0
    assert due(EARNED, 30 + first, date(2026, 6, 30)) == 0


def test_schedule_tells_what_expires_when() -> None:
    shown = schedule(EARNED, 30, date(2025, 6, 1))
    assert shown == [Expiring(2024, 70, date(2025, 12, 31)), Expiring(2025, 50, date(2026, 12, 31))]
    assert sum(e.points for e in shown) == 100 + 50 - 30


def test_schedule_leaves_out_used_up_years() -> None:
    assert schedule(EARNED, 100, date(2026, 3, 1)) == [
        Expiring(2025, 50, date(2026, 12, 31)),
        Expiring(2026, 20, date(2027, 12, 31)),
    ]


def test_figures_that_cannot_be_right_are_refused() -> None:
    with pytest.raises(ExpiryError, match="exceed the points earned \\(170\\)"):
        due(EARNED, 171, date(2026, 1, 1))
    with pytest.raises(ExpiryError, match="years \\[2025\\]"):
        due({2024: 5, 2025: -1}, 0, date(2026, 1, 1))
    with pytest.raises(ExpiryError, match="outflows cannot be negative"):
        due(EARNED, -1, date(2026, 1, 1))


def test_expiry_transfers_one_per_year_to_the_expired_account() -> None:
    posted = expiry_transfers("C1", {2025: 50, 2024: 70, 2023: 0}, date(2027, 1, 1), "R1")
    assert [(t.idempotency_key, t.kind, t.debit, t.credit, t.amount) for t in posted] == [
        ("expiry:C1:2024:2027-01-01:R1", "expiry", "citizen:C1", EXPIRED, 70),
        ("expiry:C1:2025:2027-01-01:R1", "expiry", "citizen:C1", EXPIRED, 50),
    ]
    assert balance_changes(posted) == {"citizen:C1": -120, EXPIRED: 120}


# Properties

years = st.dictionaries(st.integers(2018, 2030), st.integers(0, 1000), max_size=8)


@st.composite
def accounts(draw: st.DrawFn) -> tuple[dict[int, int], int]:
    inflows = draw(years)
    return inflows, draw(st.integers(0, sum(inflows.values())))


@given(accounts(), st.dates(date(2018, 1, 1), date(2034, 12, 31)))
def test_never_expires_more_than_the_balance_and_twice_is_safe(
    account: tuple[dict[int, int], int], today: date
) -> None:
    inflows, outflows = account
    balance = sum(inflows.values()) - outflows
    now_due = due(inflows, outflows, today)
    assert 0 <= now_due <= balance
    assert due(inflows, outflows + now_due, today) == 0


@given(accounts())
def test_fifo_leaves_only_the_newest_points(account: tuple[dict[int, int], int]) -> None:
    inflows, outflows = account
    remaining = remaining_by_year(inflows, outflows)
    assert sum(remaining.values()) == sum(inflows.values()) - outflows
    ordered = sorted(remaining)
    for earlier, later in pairwise(ordered):
        # A year is touched only once every earlier year is used up.
        if remaining[later] < inflows[later]:
            assert remaining[earlier] == 0
    assert all(0 <= remaining[y] <= inflows[y] for y in inflows)


@given(accounts(), st.dates(date(2018, 1, 1), date(2034, 12, 31)))
def test_due_takes_the_oldest_years(account: tuple[dict[int, int], int], today: date) -> None:
    inflows, outflows = account
    now_due = due_by_year(inflows, outflows, today)
    left = expiring(inflows, outflows, today.year)
    for year in left:
        assert (year in now_due) is (deadline(year) <= today)
        if year not in now_due:
            assert all(y < year for y in now_due)


@given(accounts(), st.integers(0, 4))
def test_schedule_adds_up_to_the_balance(
    account: tuple[dict[int, int], int], years_later: int
) -> None:
    inflows, outflows = account
    today = date(max(inflows, default=2026) + years_later, 6, 1)
    shown = schedule(inflows, outflows, today)
    assert sum(e.points for e in shown) == sum(inflows.values()) - outflows
    assert [e.earned_year for e in shown] == sorted(e.earned_year for e in shown)
    assert all(e.points > 0 and e.last_day == date(e.earned_year + 1, 12, 31) for e in shown)


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.integers(0, 500), st.integers(0, 100), st.booleans()),
        min_size=1,
        max_size=8,
    )
)
def test_yearly_job_matches_a_model_of_lots(plan: list[tuple[int, int, bool]]) -> None:
    """Each year: on 1 January the job runs (sometimes twice), then the citizen earns points and
    spends a share of the balance. The model keeps a lot per earning year and spends oldest first.
    """
    inflows: dict[int, int] = {}
    outflows = 0
    lots: list[list[int]] = []  # [year, points]
    for offset, (earned, spend_percent, twice) in enumerate(plan):
        year = 2020 + offset
        new_year = date(year, 1, 1)
        model_expired = sum(points for y, points in lots if deadline(y) <= new_year)
        lots = [lot for lot in lots if deadline(lot[0]) > new_year]
        for run in range(2 if twice else 1):
            posted = expiry_transfers(
                "C1", due_by_year(inflows, outflows, new_year), new_year, f"R{run}"
            )
            expired = sum(t.amount for t in posted)
            assert expired == (model_expired if run == 0 else 0)
            outflows += expired
        assert outflows == sum(inflows.values()) - sum(points for _, points in lots)
        inflows[year] = earned
        lots.append([year, earned])
        spend = (sum(inflows.values()) - outflows) * spend_percent // 100
        outflows += spend
        for lot in lots:
            used = min(lot[1], spend)
            lot[1] -= used
            spend -= used
        assert {y: p for y, p in lots if p} == expiring(inflows, outflows, year)
