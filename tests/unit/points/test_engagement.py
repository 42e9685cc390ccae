"""Engagement awards: check-in streaks, quizzes within the daily limit, volunteer events with
attendance codes, and the budget-paid transfers."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.points.engagement import (
    CheckInError,
    Event,
    EventError,
    Question,
    QuizError,
    QuizRules,
    StreakBonus,
    attendance_code_matches,
    attendance_points,
    check_in_points,
    check_sign_up,
    daily_questions,
    engagement_transfer,
    event_problems,
    grade,
    hash_attendance_code,
    new_attendance_code,
    payable,
    quiz_points,
)

TODAY = date(2026, 11, 2)
YESTERDAY = TODAY - timedelta(days=1)
CST = timezone(timedelta(hours=8))
MORNING = datetime(2026, 11, 7, 9, tzinfo=CST)


# Check-in


def test_first_check_in_earns_the_base() -> None:
    assert check_in_points(None, 0, TODAY, base=5) == (5, 1)


def test_consecutive_days_earn_one_more_each() -> None:
    assert check_in_points(YESTERDAY, 1, TODAY, base=5) == (6, 2)
    assert check_in_points(YESTERDAY, 5, TODAY, base=5) == (10, 6)


def test_streak_bonus_stops_at_six_from_day_seven() -> None:
    assert check_in_points(YESTERDAY, 6, TODAY, base=5) == (11, 7)
    assert check_in_points(YESTERDAY, 99, TODAY, base=5) == (11, 100)


def test_a_missed_day_starts_the_streak_again() -> None:
    assert check_in_points(TODAY - timedelta(days=2), 30, TODAY, base=5) == (5, 1)


def test_a_second_check_in_the_same_day_is_refused() -> None:
    with pytest.raises(CheckInError, match="already checked in today \\(2026-11-02\\)"):
        check_in_points(TODAY, 3, TODAY, base=5)


def test_a_check_in_before_the_last_one_is_refused() -> None:
    with pytest.raises(CheckInError, match="check the clock"):
        check_in_points(TODAY + timedelta(days=1), 3, TODAY, base=5)


def test_the_bonus_schedule_is_configurable() -> None:
    rule = StreakBonus(per_day=2, max_bonus=5)
    assert [rule.bonus(n) for n in range(1, 6)] == [0, 2, 4, 5, 5]
    assert check_in_points(YESTERDAY, 2, TODAY, base=1, streak_bonus=rule) == (5, 3)


@given(st.lists(st.integers(0, 60), min_size=1, max_size=40, unique=True))
def test_streak_counts_the_consecutive_days_ending_today(offsets: list[int]) -> None:
    days = sorted(TODAY + timedelta(days=o) for o in offsets)
    last: date | None = None
    streak = 0
    for day in days:
        points, streak = check_in_points(last, streak, day, base=3)
        run = 1
        while day - timedelta(days=run) in days:
            run += 1
        assert streak == run
        assert points == 3 + min(run - 1, 6)
        with pytest.raises(CheckInError):
            check_in_points(day, streak, day, base=3)
        last = day


# Quizzes

BANK = [
    Question(f"q{n}", f"问题{n}", f"Question {n}", ("A", "B", "C", "D"), n % 4) for n in range(40)
]


def test_grade_right_and_wrong() -> None:
    assert grade(BANK[1], 1)
    assert not grade(BANK[1], 2)


def test_a_choice_that_does_not_exist_is_refused() -> None:
    with pytest.raises(QuizError, match="choice 4 is not one of question q1's 4 choices"):
        grade(BANK[1], 4)


def test_a_question_whose_answer_is_no_choice_is_refused() -> None:
    with pytest.raises(QuizError, match="answer 2 is not one of its 2 choices"):
        Question("q", "问", "Q", ("yes", "no"), 2)


def test_quiz_points_within_the_daily_limit() -> None:
    rules = QuizRules(daily_limit=3, points_per_correct=2)
    assert quiz_points(0, True, rules=rules) == 2
    assert quiz_points(2, False, rules=rules) == 0
    with pytest.raises(QuizError, match="today's 3 question\\(s\\) are answered"):
        quiz_points(3, True, rules=rules)


def test_quiz_rules_cannot_be_negative() -> None:
    with pytest.raises(QuizError, match="must be 0 or more"):
        QuizRules(daily_limit=-1, points_per_correct=2)


@given(st.integers(0, 10), st.integers(0, 5), st.lists(st.booleans(), max_size=20))
def test_a_day_of_answers_never_pays_beyond_the_limit(
    limit: int, per_correct: int, answers: list[bool]
) -> None:
    rules = QuizRules(daily_limit=limit, points_per_correct=per_correct)
    answered = total = 0
    for correct in answers:
        try:
            total += quiz_points(answered, correct, rules=rules)
        except QuizError:
            continue
        answered += 1
    assert answered == min(len(answers), limit)
    assert total == per_correct * sum(answers[:limit])


def test_daily_questions_are_fixed_per_citizen_and_day() -> None:
    picked = daily_questions(BANK, seed=b"citizen-1", day=TODAY, count=5)
    assert picked == daily_questions(BANK, seed=b"citizen-1", day=TODAY, count=5)
    assert len({q.id for q in picked}) == 5
    assert picked != daily_questions(BANK, seed=b"citizen-1", day=YESTERDAY, count=5)
    assert picked != daily_questions(BANK, seed=b"citizen-2", day=TODAY, count=5)
    assert len(daily_questions(BANK[:3], seed=b"c", day=TODAY, count=5)) == 3


# Volunteer events

CODE = "7K3Q9PXA"
KEY = bytes(range(32))  # the platform's hash key, in these tests a fixed one


def make_event(**changes: Any) -> Event:
    base = Event(
        id="river-2026-11-07",
        kind="river_cleanup",
        starts_at=MORNING,
        ends_at=MORNING + timedelta(hours=3),
        points_per_hour=10,
        capacity=30,
        attendance_code_hash=hash_attendance_code(KEY, CODE),
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("confirmed", "points"),
    [
        (timedelta(hours=2), 20),
        (timedelta(minutes=90), 15),
        (timedelta(minutes=59), 9),  # rounded down
        (timedelta(hours=5), 30),  # capped by the 3-hour event
        (timedelta(0), 0),
    ],
)
def test_attendance_points_for_the_confirmed_time(confirmed: timedelta, points: int) -> None:
    assert attendance_points(make_event(), confirmed) == points


def test_negative_confirmed_time_is_refused() -> None:
    with pytest.raises(EventError, match="negative"):
        attendance_points(make_event(), timedelta(minutes=-1))


@given(st.integers(0, 10_000), st.integers(1, 600), st.integers(0, 100))
def test_attendance_points_never_exceed_the_event_length(
    minutes: int, length: int, per_hour: int
) -> None:
    event = make_event(ends_at=MORNING + timedelta(minutes=length), points_per_hour=per_hour)
    points = attendance_points(event, timedelta(minutes=minutes))
    assert 0 <= points <= length * per_hour // 60
    assert points == min(minutes, length) * per_hour // 60


def test_attendance_code_matches_however_it_is_typed() -> None:
    event = make_event()
    assert attendance_code_matches(event, KEY, CODE)
    assert attendance_code_matches(event, KEY, " 7k3q-9pxa ")
    assert not attendance_code_matches(event, KEY, "7K3Q9PXB")
    assert not attendance_code_matches(event, KEY, "")


def test_the_stored_attendance_code_hash_needs_the_key() -> None:
    # HMAC-SHA256 over the code's SHA-256 (hex): events stored before it was keyed were re-keyed.
    digest = hashlib.sha256(CODE.encode()).hexdigest()
    keyed = hmac.new(KEY, f"attendance_code\n{digest}".encode(), hashlib.sha256).digest()
    assert hash_attendance_code(KEY, CODE) == keyed
    assert hash_attendance_code(bytes(32), CODE) != keyed
    assert not attendance_code_matches(make_event(), bytes(32), CODE)


def test_attendance_code_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert attendance_code_matches(make_event(), KEY, CODE)
    assert calls == [(hash_attendance_code(KEY, CODE), make_event().attendance_code_hash)]


def test_new_attendance_codes_are_random_and_checkable() -> None:
    first, second = new_attendance_code(), new_attendance_code()
    assert len(first) == 8
    assert first != second
    assert attendance_code_matches(
        make_event(attendance_code_hash=hash_attendance_code(KEY, first)), KEY, first
    )


def test_a_good_event_has_no_problems() -> None:
    for kind in ("river_cleanup", "tree_planting", "fish_release"):
        assert event_problems(make_event(kind=kind)) == []


def test_every_event_problem_is_reported() -> None:
    event = make_event(
        id="",
        kind="picnic",
        ends_at=MORNING,
        points_per_hour=-1,
        capacity=0,
        attendance_code_hash=b"7K3Q9PXA",
    )
    found = event_problems(event)
    assert len(found) == 6
    assert "kind must be one of river_cleanup, tree_planting, fish_release" in found[1]


def test_sign_up_is_refused_when_full_or_started() -> None:
    event = make_event()
    check_sign_up(event, 29, MORNING - timedelta(days=1))
    with pytest.raises(EventError, match="full \\(30 of 30"):
        check_sign_up(event, 30, MORNING - timedelta(days=1))
    with pytest.raises(EventError, match=r"sign-up closed.*; the event is full"):
        check_sign_up(event, 30, MORNING)


# Paying from a budget


def test_payable_is_limited_by_the_budget() -> None:
    assert payable(10, 25) == 10
    assert payable(10, 4) == 4
    assert payable(10, -3) == 0


def test_engagement_transfer_pays_from_the_campaign_budget() -> None:
    transfer = engagement_transfer(
        "checkin", citizen_id="C1", campaign_id="daily", points=6, ref=TODAY.isoformat()
    )
    assert transfer is not None
    assert (transfer.idempotency_key, transfer.debit, transfer.credit, transfer.amount) == (
        "checkin:C1:2026-11-02",
        "campaign:daily",
        "citizen:C1",
        6,
    )
    assert engagement_transfer("quiz", citizen_id="C1", campaign_id="d", points=0, ref="x") is None
