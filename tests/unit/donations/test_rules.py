"""Projects and donations: whole units, goals, closed projects, and the donation's posting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.donations.rules import (
    DonationError,
    ProjectTerms,
    donation_points,
    donation_transfer,
    project_account,
    project_problems,
)

TREES = ProjectTerms("tree_planting", "种树", "Tree planting", "棵", "tree", 100, 1000)


def _points(units: int, raised: int = 0, status: str = "open") -> int:
    return donation_points(
        units, points_per_unit=100, goal_points=1000, raised_points=raised, status=status
    )


def test_a_good_project_has_no_problems() -> None:
    assert project_problems(TREES) == []


def test_every_problem_with_a_project_is_reported() -> None:
    bad = ProjectTerms("planting", "", "Trees", "棵", "t" * 33, 100, 150)
    found = project_problems(bad)
    assert len(found) == 4
    assert "kind must be one of tree_planting, fish_release, river_cleanup" in found[0]
    assert "needs a name" in found[1]
    assert "unit_zh and unit_en must be at most 32" in found[2]
    assert "whole number of units of 100 points, not 150" in found[3]


def test_a_unit_price_is_needed_before_the_goal_is_checked() -> None:
    found = project_problems(ProjectTerms("fish_release", "放流", "Fish", "尾", "fish", 0, 0))
    assert found == ["points_per_unit must be 1 or more, not 0"]


def test_whole_units_cost_their_price() -> None:
    assert _points(3) == 300


@pytest.mark.parametrize(
    ("units", "raised", "status", "code"),
    [
        (0, 0, "open", "invalid_units"),
        (1, 0, "closed", "project_closed"),
        (1, 1000, "open", "goal_reached"),
        (3, 800, "open", "over_goal"),
    ],
)
def test_refusals_name_their_reason(units: int, raised: int, status: str, code: str) -> None:
    with pytest.raises(DonationError) as caught:
        _points(units, raised, status)
    assert caught.value.code == code


def test_over_goal_says_how_many_units_remain() -> None:
    with pytest.raises(DonationError, match="only 2 unit"):
        _points(3, raised=800)


@given(st.lists(st.integers(min_value=1, max_value=12), max_size=20))
def test_donations_never_take_a_project_past_its_goal(wishes: list[int]) -> None:
    raised, refused = 0, set()
    for units in wishes:
        try:
            raised += _points(units, raised)
        except DonationError as error:
            refused.add(error.code)
    assert refused <= {"over_goal", "goal_reached"}
    assert 0 <= raised <= 1000 and raised % 100 == 0


def test_a_donation_moves_points_from_the_citizen_to_the_project() -> None:
    transfer = donation_transfer(citizen_id="C1", project_id="P1", key="k-1", points=300, units=3)
    assert (transfer.debit, transfer.credit, transfer.amount) == ("citizen:C1", "project:P1", 300)
    assert transfer.idempotency_key == "donation:C1:k-1"
    assert transfer.kind == "donation" and transfer.ref == "P1"
    assert project_account("P1") == "project:P1"
