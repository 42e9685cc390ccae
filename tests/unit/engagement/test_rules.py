"""The operator's engagement settings, budget names, short payments and the checks on questions
and events."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.engagement.rules import (
    MAX_SETTING,
    SETTING_NAMES,
    EngagementRules,
    Payment,
    changed_rules,
    event_budget,
    event_of_budget,
    event_text_problems,
    question_problems,
    stored_rules,
)

EVENT_ID = "01JD0000000000000000000000"


def test_settings_never_stored_keep_their_defaults() -> None:
    rules = stored_rules({"checkin_base": 8, "something_else": 3})
    assert rules == EngagementRules(checkin_base=8)
    assert rules.streak_bonus.bonus(3) == 2
    assert rules.quiz.daily_limit == EngagementRules().quiz_daily_limit


def test_changes_apply_only_to_the_settings_named() -> None:
    changed = changed_rules(EngagementRules(), {"quiz_daily_limit": 3, "checkin_base": 0})
    assert changed == EngagementRules(quiz_daily_limit=3, checkin_base=0)


def test_every_problem_with_the_changes_is_reported_at_once() -> None:
    with pytest.raises(ValueError, match="unknown setting") as caught:
        changed_rules(
            EngagementRules(),
            {
                "bonus": 1,
                "checkin_base": -1,
                "quiz_daily_limit": "3",
                "quiz_points_per_correct": True,
            },
        )
    message = str(caught.value)
    for part in (
        "'bonus'",
        "checkin_base must be from 0",
        "quiz_daily_limit must be a whole",
        "quiz_points_per_correct must be a whole",
    ):
        assert part in message


@given(st.sampled_from(SETTING_NAMES), st.integers())
def test_a_setting_is_taken_exactly_when_it_is_in_range(name: str, value: int) -> None:
    if 0 <= value <= MAX_SETTING:
        assert changed_rules(EngagementRules(), {name: value}).as_dict()[name] == value
    else:
        with pytest.raises(ValueError, match=name):
            changed_rules(EngagementRules(), {name: value})


def test_event_budgets_name_their_event() -> None:
    assert event_budget(EVENT_ID) == f"event-{EVENT_ID}"
    assert event_of_budget(event_budget(EVENT_ID)) == EVENT_ID
    assert event_of_budget("checkin") is None
    assert event_of_budget("event-x") is None


def test_a_short_payment_tells_the_citizen() -> None:
    assert Payment("quiz", 2, 2).notice() is None
    short = Payment("checkin", 7, 3)
    assert short.short
    assert short.notice() == "the check-in budget has run short: 3 of the 7 points due were paid"
    assert "the event's budget" in (Payment(event_budget(EVENT_ID), 30, 0).notice() or "")


def test_a_good_question_has_no_problems() -> None:
    assert question_problems("问", "Q", ["是", "否"], ["yes", "no"], 1) == []


def test_every_problem_with_a_question_is_reported() -> None:
    found = question_problems(" ", "Q", ["是"], ["yes", "no"], 3)
    assert len(found) == 4
    assert any("prompt" in p for p in found)
    assert any("2 to 6 choices" in p for p in found)
    assert any("same choices" in p for p in found)
    assert any("answer must index" in p for p in found)
    assert question_problems("问", "Q", ["是", ""], ["yes", "no"], 0) == ["no choice may be empty"]


def test_event_texts_are_checked() -> None:
    assert event_text_problems("清河", "River", "北门") == []
    found = event_text_problems("", "River", "x" * 201)
    assert found == [
        "needs a name in Chinese (name_zh) and in English (name_en)",
        "place must be at most 200 characters",
    ]
    assert event_text_problems("清河", "River", " ") == ["needs a place where volunteers meet"]
