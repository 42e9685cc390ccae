"""A lottery's terms: every problem reported at once, prize ids bound to merchants, and the daily
limit on earned entries (a property test)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from carbonledger.lotteries.terms import (
    Credit,
    LotteryTerms,
    PrizeTerms,
    earned_entries,
)
from carbonledger.points.lottery import Prize

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
TERMS = LotteryTerms(
    name_zh="光盘打卡抽奖",
    name_en="Clean-plate lottery",
    scenario="clean_plate",
    daily_entries=2,
    entry_price=None,
    opens_at=NOW,
    closes_at=NOW + timedelta(days=7),
    one_per_account=True,
    prizes=(PrizeTerms("cafe", "Coffee", 3), PrizeTerms("cinema", "Tickets", 1)),
)


def test_good_terms_have_no_problems_and_prize_ids_name_the_merchant() -> None:
    assert TERMS.problems(NOW, {"clean_plate"}) == []
    assert TERMS.core_prizes() == (Prize("cafe:1", "Coffee", 3), Prize("cinema:2", "Tickets", 1))


def test_every_problem_is_reported_at_once() -> None:
    bad = replace(
        TERMS,
        name_en=" ",
        scenario="teleporting",
        daily_entries=0,
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW - timedelta(minutes=1),
        prizes=(PrizeTerms("cafe", "", 0),),
    )
    problems = bad.problems(NOW, {"clean_plate"})
    assert len(problems) == 7, problems
    assert "opens_at lies in the past; a lottery opens when it is published" in problems


def test_entries_need_a_way_in_and_times_need_an_offset() -> None:
    closed = replace(TERMS, scenario=None, entry_price=None)
    assert any("a way in" in p for p in closed.problems(NOW, {"clean_plate"}))
    naive = replace(TERMS, closes_at=datetime(2026, 12, 1))
    assert naive.problems(NOW, {"clean_plate"}) == [
        "opens_at and closes_at need a time zone offset"
    ]


def test_a_small_clock_drift_at_opening_is_allowed() -> None:
    assert replace(TERMS, opens_at=NOW - timedelta(seconds=30)).problems(NOW, {"clean_plate"}) == []


credits = st.lists(
    st.builds(
        Credit,
        record_id=st.uuids().map(str),
        citizen_id=st.sampled_from(["a", "b", "c"]),
        day=st.sampled_from([date(2026, 11, 1), date(2026, 11, 2)]),
        account=st.just("acct"),
    ),
    max_size=40,
)


@given(credits, st.integers(min_value=1, max_value=4))
def test_earned_entries_keep_each_citizens_first_credits_of_a_day(
    given_credits: list[Credit], per_day: int
) -> None:
    earned = earned_entries(given_credits, per_day)
    per_key = Counter((c.citizen_id, c.day) for c in given_credits)
    assert len(earned) == sum(min(n, per_day) for n in per_key.values())
    # The earliest credits win: what is kept is a subsequence, taken first for every key.
    for key in per_key:
        given_for_key = [c for c in given_credits if (c.citizen_id, c.day) == key]
        assert [c for c in earned if (c.citizen_id, c.day) == key] == given_for_key[:per_day]
