"""Campaigns: the window, the filters (with region hierarchy), what citizens see as active, and
validation that reports every problem at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.methodology.catalogue import Catalogue
from carbonledger.points.campaigns import (
    Campaign,
    CampaignError,
    active,
    campaign_account,
    check,
    funding_transfer,
    matches,
    problems,
    region_covers,
)
from carbonledger.points.postings import ISSUANCE

CST = timezone(timedelta(hours=8))
CAR_FREE_DAY = datetime(2026, 9, 22, tzinfo=CST)
CATALOGUE = Catalogue.load()
SCENARIOS = {s.code for s in CATALOGUE.scenarios}
CATEGORIES = {s.category for s in CATALOGUE.scenarios}


def make_campaign(**changes: Any) -> Campaign:
    base = Campaign(
        id="car-free-day-2026",
        name_zh="世界无车日双倍积分",
        name_en="Double points on World Car-Free Day",
        starts_at=CAR_FREE_DAY,
        ends_at=CAR_FREE_DAY + timedelta(days=1),
        multiplier_permille=2000,
        scenarios=frozenset(),
        categories=frozenset({"green_travel"}),
        regions=frozenset(),
        budget=1_000_000,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (CAR_FREE_DAY - timedelta(microseconds=1), False),
        (CAR_FREE_DAY, True),
        (CAR_FREE_DAY + timedelta(hours=23, minutes=59), True),
        (CAR_FREE_DAY + timedelta(days=1), False),
        (CAR_FREE_DAY.astimezone(UTC), True),  # the same instant in another zone
    ],
)
def test_window_includes_start_and_excludes_end(at: datetime, expected: bool) -> None:
    assert matches(make_campaign(), "cycling", "green_travel", "110108", at) is expected


def test_empty_filters_match_anything() -> None:
    campaign = make_campaign(categories=frozenset())
    assert matches(campaign, "e_billing", "green_finance", "440305", CAR_FREE_DAY)


def test_category_filter() -> None:
    campaign = make_campaign()
    assert matches(campaign, "metro", "green_travel", "110108", CAR_FREE_DAY)
    assert not matches(campaign, "clean_plate", "green_dining", "110108", CAR_FREE_DAY)


def test_scenario_filter() -> None:
    campaign = make_campaign(scenarios=frozenset({"cycling", "walking"}), categories=frozenset())
    assert matches(campaign, "walking", "green_travel", "110108", CAR_FREE_DAY)
    assert not matches(campaign, "metro", "green_travel", "110108", CAR_FREE_DAY)


def test_all_filters_must_match() -> None:
    campaign = make_campaign(scenarios=frozenset({"cycling"}), regions=frozenset({"110108"}))
    assert matches(campaign, "cycling", "green_travel", "110108", CAR_FREE_DAY)
    assert not matches(campaign, "cycling", "green_travel", "110105", CAR_FREE_DAY)
    assert not matches(campaign, "cycling", "recycling", "110108", CAR_FREE_DAY)


@pytest.mark.parametrize(
    ("code", "region", "expected"),
    [
        ("110000", "110108", True),  # Beijing covers Haidian
        ("110000", "110000", True),
        ("110000", "120101", False),
        ("440300", "440305", True),  # Shenzhen covers Nanshan
        ("440300", "440105", False),  # but not Guangzhou's Haizhu
        ("110108", "110108", True),
        ("110108", "110105", False),
        ("110108", "110000", False),  # a district does not cover its city
    ],
)
def test_region_hierarchy(code: str, region: str, expected: bool) -> None:
    assert region_covers(code, region) is expected


def test_region_filter_uses_the_hierarchy() -> None:
    campaign = make_campaign(regions=frozenset({"510100"}))  # Chengdu
    assert matches(campaign, "bus", "green_travel", "510104", CAR_FREE_DAY)
    assert not matches(campaign, "bus", "green_travel", "500101", CAR_FREE_DAY)


def test_active_lists_running_campaigns_earliest_first() -> None:
    later = make_campaign(id="b", starts_at=CAR_FREE_DAY - timedelta(hours=1))
    earlier = make_campaign(id="a", starts_at=CAR_FREE_DAY - timedelta(days=3))
    over = make_campaign(id="c", ends_at=CAR_FREE_DAY)
    assert active([later, over, earlier], CAR_FREE_DAY) == [earlier, later]


def test_active_leaves_out_campaigns_whose_budget_ran_out() -> None:
    funded, spent, unknown = (make_campaign(id=i) for i in ("funded", "spent", "unknown"))
    shown = active([funded, spent, unknown], CAR_FREE_DAY, {"funded": 1, "spent": 0})
    assert shown == [funded]


def test_a_good_campaign_has_no_problems() -> None:
    campaign = make_campaign(regions=frozenset({"110000"}), scenarios=frozenset({"cycling"}))
    assert problems(campaign, scenarios=SCENARIOS, categories=CATEGORIES) == []
    assert check(campaign, scenarios=SCENARIOS, categories=CATEGORIES) is campaign


def test_every_problem_is_reported_at_once() -> None:
    campaign = make_campaign(
        id="",
        name_en=" ",
        ends_at=CAR_FREE_DAY - timedelta(days=1),
        multiplier_permille=500,
        budget=-1,
        regions=frozenset({"1101", "beijing", "110108"}),
        scenarios=frozenset({"teleporting"}),
        categories=frozenset({"green_travel", "space"}),
    )
    found = problems(campaign, scenarios=SCENARIOS, categories=CATEGORIES)
    assert len(found) == 8
    text = " | ".join(found)
    for words in (
        "id must be",
        "name_en",
        "must be after starts_at",
        "multiplier_permille",
        "budget must be 0 or more",
        "1101, beijing",
        "unknown scenario(s): teleporting",
        "unknown category(s): space",
    ):
        assert words in text


def test_naive_times_are_a_problem() -> None:
    campaign = make_campaign(starts_at=datetime(2026, 9, 22), ends_at=datetime(2026, 9, 23))
    assert problems(campaign) == ["starts_at and ends_at must carry a time zone"]


@pytest.mark.parametrize(("permille", "ok"), [(999, False), (1000, True), (10_000, True)])
def test_multiplier_bounds(permille: int, ok: bool) -> None:
    assert (problems(make_campaign(multiplier_permille=permille)) == []) is ok


def test_a_tenfold_typo_is_caught() -> None:
    assert "multiplier_permille" in problems(make_campaign(multiplier_permille=20_000))[0]


def test_an_id_too_long_for_its_account_is_a_problem() -> None:
    assert len(campaign_account("x" * 71)) == 80
    assert problems(make_campaign(id="x" * 71)) == []
    assert "id must be 1 to 71" in problems(make_campaign(id="x" * 72))[0]


@pytest.mark.parametrize("campaign_id", ["car free", "-first", "a:b", "地球日", "a/b", "ab\n"])
def test_an_id_unfit_for_an_account_or_a_url_is_a_problem(campaign_id: str) -> None:
    assert "id must be" in problems(make_campaign(id=campaign_id))[0]


def test_check_raises_with_every_problem() -> None:
    with pytest.raises(CampaignError, match=r"budget must be .*; regions must be"):
        check(make_campaign(budget=-5, regions=frozenset({"x"})))


def test_funding_moves_the_budget_from_issuance() -> None:
    transfer = funding_transfer(make_campaign(budget=5000))
    assert transfer is not None
    assert (transfer.debit, transfer.credit, transfer.amount) == (
        ISSUANCE,
        "campaign:car-free-day-2026",
        5000,
    )
    assert transfer.idempotency_key == "campaign_budget:car-free-day-2026"
    assert funding_transfer(make_campaign(budget=0)) is None


@pytest.mark.parametrize(
    ("permille", "base", "bonus"), [(2000, 100, 100), (1500, 3, 1), (1000, 50, 0), (3000, 7, 14)]
)
def test_bonus_is_base_times_multiplier_minus_one_rounded_down(
    permille: int, base: int, bonus: int
) -> None:
    assert make_campaign(multiplier_permille=permille).bonus_for(base) == bonus


@given(st.integers(-(10**7), 10**7))
def test_nothing_matches_outside_the_window(offset_seconds: int) -> None:
    campaign = make_campaign(categories=frozenset())
    at = CAR_FREE_DAY + timedelta(seconds=offset_seconds)
    inside = timedelta(0) <= at - CAR_FREE_DAY < timedelta(days=1)
    assert matches(campaign, "cycling", "green_travel", "110108", at) is inside
    assert (active([campaign], at) == [campaign]) is inside


@given(st.from_regex(r"\d{6}", fullmatch=True), st.from_regex(r"\d{6}", fullmatch=True))
def test_a_region_covers_only_what_shares_its_prefix(code: str, region: str) -> None:
    covered = region_covers(code, region)
    assert region_covers(code, code)
    if covered:
        assert region[:2] == code[:2]
    if not code.endswith("00"):
        assert covered is (region == code)
