"""Awards: base points by the rules, campaign bonuses from their budgets, the daily cap (bonuses cut
first), the transfers that pay them, and the clawback of a reversed credit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonledger.points.awards import (
    Award,
    AwardError,
    award,
    award_transfers,
    clawback,
    clawback_transfers,
)
from carbonledger.points.campaigns import Campaign, matches
from carbonledger.points.postings import ISSUANCE, balance_changes
from carbonledger.points.rules import AwardRules, RulesError

NOON = datetime(2026, 9, 22, 4, tzinfo=UTC)  # 12:00 in Beijing on the car-free day
RULES = AwardRules()


def make_campaign(**changes: Any) -> Campaign:
    base = Campaign(
        id="car-free-day",
        name_zh="无车日",
        name_en="Car-free day",
        starts_at=NOON - timedelta(hours=12),
        ends_at=NOON + timedelta(hours=12),
        multiplier_permille=2000,
        scenarios=frozenset(),
        categories=frozenset({"green_travel"}),
        regions=frozenset(),
        budget=10_000,
    )
    return replace(base, **changes)


def give(
    reduction_mg: int,
    *,
    rules: AwardRules = RULES,
    awarded_today: int = 0,
    campaigns: tuple[Campaign, ...] = (),
    budgets_left: dict[str, int] | None = None,
    scenario: str = "cycling",
    category: str = "green_travel",
    at: datetime = NOON,
) -> Award:
    return award(
        reduction_mg,
        rules=rules,
        awarded_today=awarded_today,
        campaigns=campaigns,
        budgets_left=budgets_left
        if budgets_left is not None
        else {c.id: c.budget for c in campaigns},
        scenario=scenario,
        category=category,
        region="110108",
        at=at,
    )


def test_the_pipeline_call_still_works() -> None:
    assert AwardRules(mg_per_point=1000).points_for(214_200) == 214
    assert AwardRules().daily_cap is None


@pytest.mark.parametrize(("mg", "points"), [(0, 0), (999, 0), (1000, 1), (1999, 1), (-5000, 0)])
def test_one_point_per_gram_rounded_down(mg: int, points: int) -> None:
    assert give(mg) == Award(points)


def test_rules_report_every_problem() -> None:
    with pytest.raises(RulesError, match=r"mg_per_point .* 0; daily_cap .* -1"):
        AwardRules(mg_per_point=0, daily_cap=-1)


def test_double_points_on_car_free_day() -> None:
    result = give(100_000, campaigns=(make_campaign(),))
    assert result == Award(100, (("car-free-day", 100),))
    assert result.total == 200


def test_no_bonus_outside_the_window_or_filters() -> None:
    campaign = (make_campaign(),)
    assert give(100_000, campaigns=campaign, at=NOON + timedelta(hours=12)) == Award(100)
    assert give(100_000, campaigns=campaign, category="green_dining") == Award(100)


def test_campaigns_do_not_compound() -> None:
    double = make_campaign(id="double")
    half = make_campaign(id="half", multiplier_permille=1500, starts_at=NOON - timedelta(hours=1))
    result = give(100_000, campaigns=(half, double))
    assert result.bonuses == (("double", 100), ("half", 50))  # earliest-starting first
    assert result.total == 250  # not 100 × 2 × 1.5 = 300


def test_bonus_is_limited_by_the_budget_left() -> None:
    campaign = make_campaign()
    assert give(100_000, campaigns=(campaign,), budgets_left={campaign.id: 30}).bonuses == (
        ("car-free-day", 30),
    )
    assert give(100_000, campaigns=(campaign,), budgets_left={campaign.id: 0}) == Award(100)


def test_a_campaign_without_a_budget_figure_pays_nothing() -> None:
    assert give(100_000, campaigns=(make_campaign(),), budgets_left={}) == Award(100)


def test_daily_cap_cuts_the_bonus_first() -> None:
    capped = AwardRules(daily_cap=150)
    result = give(100_000, rules=capped, campaigns=(make_campaign(),))
    assert result == Award(100, (("car-free-day", 50),), capped=True)


def test_daily_cap_cuts_the_base_when_the_base_alone_exceeds_it() -> None:
    capped = AwardRules(daily_cap=100)
    result = give(50_000, rules=capped, awarded_today=90, campaigns=(make_campaign(),))
    assert result == Award(10, (), capped=True)


def test_daily_cap_cuts_the_latest_campaign_first() -> None:
    early = make_campaign(id="early", starts_at=NOON - timedelta(days=1))
    late = make_campaign(id="late")
    result = give(100_000, rules=AwardRules(daily_cap=260), campaigns=(late, early))
    assert result == Award(100, (("early", 100), ("late", 60)), capped=True)


def test_nothing_once_the_cap_is_reached() -> None:
    capped = AwardRules(daily_cap=500)
    assert give(1_000, rules=capped, awarded_today=500) == Award(0, (), capped=True)
    assert give(1_000, rules=capped, awarded_today=499) == Award(1)
    assert give(0, rules=capped, awarded_today=500) == Award(0)  # nothing to cut


def test_inputs_that_cannot_be_right_are_refused() -> None:
    with pytest.raises(AwardError, match="time zone"):
        give(1000, at=datetime(2026, 9, 22, 12))
    with pytest.raises(AwardError, match="negative"):
        give(1000, awarded_today=-1)
    with pytest.raises(AwardError, match="more than once: car-free-day"):
        give(1000, campaigns=(make_campaign(), make_campaign()))


def test_award_transfers_pay_base_from_issuance_and_bonuses_from_budgets() -> None:
    paid = award_transfers(
        Award(100, (("a", 100), ("b", 50))), citizen_id="C1", record_id="R1", leaf_index=7
    )
    assert [(t.idempotency_key, t.kind, t.debit, t.credit, t.amount) for t in paid] == [
        ("award:R1", "award", ISSUANCE, "citizen:C1", 100),
        ("bonus:R1:a", "bonus", "campaign:a", "citizen:C1", 100),
        ("bonus:R1:b", "bonus", "campaign:b", "citizen:C1", 50),
    ]
    assert {t.leaf_index for t in paid} == {7}
    assert {t.record_id for t in paid} == {"R1"}
    assert award_transfers(Award(0), citizen_id="C1", record_id="R1", leaf_index=7) == []


def test_clawback_takes_everything_back_when_the_balance_allows() -> None:
    given_award = Award(100, (("a", 100),))
    taken = clawback(given_award, balance=500)
    assert (taken.base, taken.bonuses, taken.shortfall) == (100, (("a", 100),), 0)
    paid = award_transfers(given_award, citizen_id="C1", record_id="R1", leaf_index=3)
    back = clawback_transfers(taken, citizen_id="C1", record_id="R1", leaf_index=9)
    assert [t.kind for t in back] == ["clawback", "bonus_clawback"]
    assert {t.leaf_index for t in back} == {9}
    assert all(change == 0 for change in balance_changes([*paid, *back]).values())


def test_clawback_takes_the_base_first_and_reports_the_shortfall() -> None:
    taken = clawback(Award(100, (("a", 100),)), balance=130)
    assert (taken.base, taken.bonuses, taken.shortfall) == (100, (("a", 30),), 70)
    assert clawback(Award(100), balance=-4) == clawback(Award(100), balance=0)
    assert clawback(Award(100), balance=0).shortfall == 100


# Properties

REGIONS = ("110108", "110105", "120101")
SCENARIOS = (
    ("cycling", "green_travel"),
    ("metro", "green_travel"),
    ("clean_plate", "green_dining"),
)


@st.composite
def campaign_sets(draw: st.DrawFn) -> list[Campaign]:
    count = draw(st.integers(0, 4))
    found = []
    for number in range(count):
        start = NOON + timedelta(hours=draw(st.integers(-30, 10)))
        found.append(
            make_campaign(
                id=f"c{number}",
                starts_at=start,
                ends_at=start + timedelta(hours=draw(st.integers(1, 40))),
                multiplier_permille=draw(st.integers(1000, 5000)),
                scenarios=frozenset(draw(st.sets(st.sampled_from(["cycling", "metro"])))),
                categories=frozenset(draw(st.sets(st.sampled_from(["green_travel", "x"])))),
                regions=frozenset(draw(st.sets(st.sampled_from(["110000", "110108"])))),
                budget=draw(st.integers(0, 2000)),
            )
        )
    return found


credits = st.lists(
    st.tuples(
        st.integers(-1000, 300_000),
        st.sampled_from(SCENARIOS),
        st.sampled_from(REGIONS),
        st.integers(-20 * 60, 20 * 60),
    ),
    max_size=30,
)


@settings(max_examples=300)
@given(campaign_sets(), credits, st.one_of(st.none(), st.integers(0, 2000)))
def test_a_day_of_awards_keeps_the_cap_and_the_budgets(
    campaigns: list[Campaign],
    day: list[tuple[int, tuple[str, str], str, int]],
    cap: int | None,
) -> None:
    rules = AwardRules(daily_cap=cap)
    budgets = {c.id: c.budget for c in campaigns}
    by_id = {c.id: c for c in campaigns}
    awarded_today = 0
    for mg, (scenario, category), region, minutes in day:
        at = NOON + timedelta(minutes=minutes)
        result = award(
            mg,
            rules=rules,
            awarded_today=awarded_today,
            campaigns=campaigns,
            budgets_left=budgets,
            scenario=scenario,
            category=category,
            region=region,
            at=at,
        )
        base = rules.points_for(mg)
        assert 0 <= result.base <= base
        assert result.capped or result.base == base
        for campaign_id, points in result.bonuses:
            campaign = by_id[campaign_id]
            assert matches(campaign, scenario, category, region, at)
            assert 0 < points <= campaign.bonus_for(base)
            budgets[campaign_id] -= points
            assert budgets[campaign_id] >= 0
        awarded_today += result.total
        if cap is not None:
            assert awarded_today <= cap
        else:
            assert not result.capped


@given(campaign_sets(), st.integers(0, 300_000), st.sampled_from(SCENARIOS))
def test_without_a_cap_every_matching_campaign_pays_its_bonus(
    campaigns: list[Campaign], mg: int, scenario: tuple[str, str]
) -> None:
    result = give(mg, campaigns=tuple(campaigns), scenario=scenario[0], category=scenario[1])
    base = RULES.points_for(mg)
    expected = {
        c.id: min(c.bonus_for(base), c.budget)
        for c in campaigns
        if matches(c, scenario[0], scenario[1], "110108", NOON)
    }
    assert result.base == base
    assert dict(result.bonuses) == {i: p for i, p in expected.items() if p > 0}


@given(campaign_sets(), st.integers(0, 300_000), st.integers(1, 48))
def test_no_bonus_after_every_campaign_has_ended(
    campaigns: list[Campaign], mg: int, hours: int
) -> None:
    at = max((c.ends_at for c in campaigns), default=NOON) + timedelta(hours=hours)
    assert give(mg, campaigns=tuple(campaigns), at=at).bonuses == ()


@given(
    st.integers(0, 500),
    st.lists(st.tuples(st.text("ab", min_size=1, max_size=3), st.integers(1, 500)), max_size=3),
    st.integers(-100, 2000),
)
def test_clawback_never_takes_more_than_the_balance(
    base: int, bonuses: list[tuple[str, int]], balance: int
) -> None:
    given_award = Award(base, tuple(dict(bonuses).items()))
    taken = clawback(given_award, balance)
    assert 0 <= taken.total <= max(balance, 0)
    assert taken.total + taken.shortfall == given_award.total
    assert taken.shortfall == 0 or taken.total == max(balance, 0)
    assert taken.base == min(base, max(balance, 0))
