"""The quiz on SQLite and PostgreSQL: the operator's bank, the questions dealt each day, one
answer per question a day within the daily limit, right answers paid from the `quiz` budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from carbonledger import db
from carbonledger.engagement import quiz, service
from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.platform import Platform
from tests import factories
from tests.integration.earning import balance, reconciled, write

NOON = datetime(2026, 11, 2, 4, tzinfo=UTC)  # 12:00 in Asia/Shanghai


def _add(platform: Platform, number: int, answer: int = 1) -> str:
    return write(
        platform,
        lambda conn: quiz.add_question(
            conn,
            prompt_zh=f"问题{number}：哪种出行最低碳？",
            prompt_en=f"Question {number}: which trip is lowest in carbon?",
            choices_zh=["开车", "骑车", "打车"],
            choices_en=["driving", "cycling", "taxi"],
            answer=answer,
            now=NOON,
        ),
    )


def _bank(platform: Platform, size: int = 8) -> list[str]:
    ids = [_add(platform, n) for n in range(size)]
    write(platform, lambda conn: service.fund_budget(conn, "quiz", 1000, "k", NOON))
    return ids


def _today(platform: Platform, citizen: str, at: datetime = NOON) -> quiz.Quiz:
    with db.read(platform.engine) as conn:
        return quiz.todays_quiz(conn, citizen, platform.settings.zone, at)


def _answer(
    platform: Platform, citizen: str, question: str, choice: int, at: datetime = NOON
) -> quiz.Answered:
    zone = platform.settings.zone
    return write(platform, lambda conn: quiz.answer(conn, citizen, question, choice, zone, at))


def _limit(platform: Platform, limit: int) -> None:
    changes: dict[str, object] = {"quiz_daily_limit": limit}
    write(platform, lambda conn: service.set_rules(conn, changes, None, NOON))


def test_a_citizen_is_dealt_the_same_questions_all_day(platform: Platform) -> None:
    _bank(platform)
    citizen = factories.add_citizen(platform)
    morning = _today(platform, citizen, NOON - timedelta(hours=3))
    evening = _today(platform, citizen, NOON + timedelta(hours=8))
    assert len(morning.dealt) == morning.daily_limit == 5
    assert [d.question.id for d in morning.dealt] == [d.question.id for d in evening.dealt]
    assert morning.answered == 0 and all(d.answer is None for d in morning.dealt)


def test_a_right_answer_is_paid_and_a_wrong_one_is_not(platform: Platform) -> None:
    _bank(platform)
    citizen = factories.add_citizen(platform)
    first, second = (d.question.id for d in _today(platform, citizen).dealt[:2])
    right = _answer(platform, citizen, first, 1)
    wrong = _answer(platform, citizen, second, 0)
    assert (right.correct, right.payment.paid) == (True, 2)
    assert (wrong.correct, wrong.payment.due, wrong.payment.paid) == (False, 0, 0)
    assert balance(platform, f"citizen:{citizen}") == 2
    assert balance(platform, "campaign:quiz") == 998
    shown = _today(platform, citizen)
    assert shown.answered == 2
    answered = {d.question.id: d.answer for d in shown.dealt if d.answer is not None}
    assert {q: (a.correct, a.points_paid) for q, a in answered.items()} == {
        first: (True, 2),
        second: (False, 0),
    }
    reconciled(platform)


def test_each_question_is_answered_once_a_day(platform: Platform) -> None:
    _bank(platform)
    citizen = factories.add_citizen(platform)
    question = _today(platform, citizen).dealt[0].question.id
    _answer(platform, citizen, question, 1)
    with pytest.raises(Conflict) as refused:
        _answer(platform, citizen, question, 1, NOON + timedelta(hours=1))
    assert refused.value.code == "already_answered"
    assert balance(platform, f"citizen:{citizen}") == 2


def test_only_todays_questions_can_be_answered(platform: Platform) -> None:
    ids = _bank(platform)
    citizen = factories.add_citizen(platform)
    dealt = {d.question.id for d in _today(platform, citizen).dealt}
    other = next(q for q in ids if q not in dealt)
    for question in (other, "01JD0000000000000000000000"):
        with pytest.raises(NotFound) as refused:
            _answer(platform, citizen, question, 1)
        assert refused.value.code == "unknown_question"


def test_answers_beyond_the_daily_limit_are_refused(platform: Platform) -> None:
    _bank(platform)
    _limit(platform, 2)
    citizen = factories.add_citizen(platform)
    first, second = (d.question.id for d in _today(platform, citizen).dealt)
    _answer(platform, citizen, first, 1)
    _answer(platform, citizen, second, 1)
    # Retiring an answered question deals another in its place; the limit still holds.
    write(platform, lambda conn: quiz.retire_question(conn, first, NOON))
    [newcomer] = [d.question.id for d in _today(platform, citizen).dealt if d.answer is None]
    with pytest.raises(Conflict) as refused:
        _answer(platform, citizen, newcomer, 1)
    assert refused.value.code == "daily_limit_reached"
    assert balance(platform, f"citizen:{citizen}") == 4
    # A new day deals new questions.
    tomorrow = NOON + timedelta(days=1)
    fresh = _today(platform, citizen, tomorrow).dealt[0].question.id
    assert _answer(platform, citizen, fresh, 1, tomorrow).payment.paid == 2


def test_retired_questions_are_no_longer_dealt(platform: Platform) -> None:
    ids = _bank(platform, size=3)
    citizen = factories.add_citizen(platform)
    write(platform, lambda conn: quiz.retire_question(conn, ids[0], NOON))
    assert {d.question.id for d in _today(platform, citizen).dealt} == set(ids[1:])
    with pytest.raises(NotFound) as refused:
        write(platform, lambda conn: quiz.retire_question(conn, ids[0], NOON))
    assert refused.value.code == "unknown_question"
    with db.read(platform.engine) as conn:
        statuses = {q.id: q.status for q in quiz.bank(conn)}
    assert statuses == {ids[0]: "retired", ids[1]: "active", ids[2]: "active"}


def test_an_empty_quiz_budget_pays_nothing_but_grades(platform: Platform) -> None:
    _add(platform, 1)
    citizen = factories.add_citizen(platform)
    [dealt] = _today(platform, citizen).dealt
    done = _answer(platform, citizen, dealt.question.id, 1)
    assert (done.correct, done.payment.due, done.payment.paid) == (True, 2, 0)
    assert done.payment.notice() is not None
    assert balance(platform, f"citizen:{citizen}") == 0
    reconciled(platform)


def test_bad_questions_and_choices_are_refused(platform: Platform) -> None:
    with pytest.raises(InvalidInput) as bad_question:
        write(
            platform,
            lambda conn: quiz.add_question(
                conn,
                prompt_zh="",
                prompt_en="Q",
                choices_zh=["是"],
                choices_en=["yes", "no"],
                answer=2,
                now=NOON,
            ),
        )
    assert bad_question.value.code == "invalid_question"
    assert "prompt" in bad_question.value.message and "same choices" in bad_question.value.message
    _bank(platform, size=1)
    citizen = factories.add_citizen(platform)
    [dealt] = _today(platform, citizen).dealt
    with pytest.raises(InvalidInput) as bad_choice:
        _answer(platform, citizen, dealt.question.id, 3)
    assert bad_choice.value.code == "invalid_choice"
    assert _today(platform, citizen).answered == 0
