"""Quizzes (答题): the operator's bilingual question bank, the questions a citizen is dealt each
local day (`daily_questions`, never with their answers) and answering them, one answer per
question a day, within the daily limit, right answers paid from the `quiz` budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection, Row

from carbonledger.engagement import repository as repo
from carbonledger.engagement.rules import QUIZ_BUDGET, Payment, question_problems
from carbonledger.engagement.service import local_day, pay, rules
from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.ids import ulid
from carbonledger.points.engagement import Question, QuizError, daily_questions, grade, quiz_points
from carbonledger.points.postings import citizen_account


def add_question(
    conn: Connection,
    *,
    prompt_zh: str,
    prompt_en: str,
    choices_zh: list[str],
    choices_en: list[str],
    answer: int,
    now: datetime,
) -> str:
    """Add a question to the bank; return its id."""
    problems = question_problems(prompt_zh, prompt_en, choices_zh, choices_en, answer)
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_question")
    question_id = ulid(now)
    repo.insert_question(
        conn,
        {
            "id": question_id,
            "prompt_zh": prompt_zh.strip(),
            "prompt_en": prompt_en.strip(),
            "choices_zh": [c.strip() for c in choices_zh],
            "choices_en": [c.strip() for c in choices_en],
            "answer": answer,
            "status": "active",
            "created_at": now,
        },
    )
    return question_id


def retire_question(conn: Connection, question_id: str, now: datetime) -> None:
    """Take a question out of the bank; answers given to it stay."""
    if not repo.retire_question(conn, question_id, now):
        raise NotFound(f"no active question has the id {question_id!r}", code="unknown_question")


def question(conn: Connection, question_id: str) -> Row[Any]:
    """One question of the bank, with its answer: for the operator only."""
    row = repo.question(conn, question_id)
    if row is None:
        raise NotFound(f"no question has the id {question_id!r}", code="unknown_question")
    return row


def bank(conn: Connection) -> list[Row[Any]]:
    """Every question, retired ones too, with its answer: for the operator only."""
    return repo.all_questions(conn)


@dataclass(frozen=True, slots=True)
class Dealt:
    """A question dealt to a citizen today and, once answered, how it went."""

    question: Row[Any]
    answer: Row[Any] | None


@dataclass(frozen=True, slots=True)
class Quiz:
    day: date
    daily_limit: int
    points_per_correct: int
    answered: int
    dealt: list[Dealt]


def _dealt(conn: Connection, citizen_id: str, day: date, count: int) -> list[Row[Any]]:
    # The deal ranks questions by id alone: only the dealt ones are read in full, so that an
    # answer costs a look-up of the bank's ids, not a decoding of every prompt and choice.
    bank = [Question(i, "", "", ("",), 0) for i in repo.active_question_ids(conn)]
    picked = [q.id for q in daily_questions(bank, seed=citizen_id.encode(), day=day, count=count)]
    rows = {row.id: row for row in repo.questions_by_id(conn, picked)}
    return [rows[i] for i in picked]


def todays_quiz(conn: Connection, citizen_id: str, zone: ZoneInfo, now: datetime) -> Quiz:
    day = local_day(now, zone)
    current = rules(conn).quiz
    answers = {row.question_id: row for row in repo.answers_on(conn, citizen_id, day)}
    dealt = [
        Dealt(row, answers.get(row.id))
        for row in _dealt(conn, citizen_id, day, current.daily_limit)
    ]
    return Quiz(day, current.daily_limit, current.points_per_correct, len(answers), dealt)


@dataclass(frozen=True, slots=True)
class Answered:
    question_id: str
    correct: bool
    payment: Payment


def answer(
    conn: Connection,
    citizen_id: str,
    question_id: str,
    choice: int,
    zone: ZoneInfo,
    now: datetime,
) -> Answered:
    """Grade the citizen's answer to one of today's questions and pay a right one."""
    # One citizen's answers are taken one at a time, so the daily limit holds under retries
    # racing each other.
    repo.locked_balance(conn, citizen_account(citizen_id))
    day = local_day(now, zone)
    current = rules(conn).quiz
    dealt = {row.id: row for row in _dealt(conn, citizen_id, day, current.daily_limit)}
    row = dealt.get(question_id)
    if row is None:
        raise NotFound(
            f"question {question_id!r} is not one of today's questions; "
            "GET /api/v1/me/quiz lists them",
            code="unknown_question",
        )
    answers = {a.question_id for a in repo.answers_on(conn, citizen_id, day)}
    if question_id in answers:
        raise Conflict(
            "this question is answered already today; each is answered once",
            code="already_answered",
        )
    question = Question(row.id, row.prompt_zh, row.prompt_en, tuple(row.choices_zh), row.answer)
    try:
        correct = grade(question, choice)
    except QuizError as error:
        raise InvalidInput(str(error), code="invalid_choice") from None
    try:
        points = quiz_points(len(answers), correct, rules=current)
    except QuizError as error:
        raise Conflict(str(error), code="daily_limit_reached") from None
    payment = pay(
        conn,
        "quiz",
        citizen_id=citizen_id,
        budget=QUIZ_BUDGET,
        points=points,
        ref=f"{day.isoformat()}:{question_id}",
        now=now,
    )
    repo.insert_answer(
        conn,
        {
            "citizen_id": citizen_id,
            "day": day,
            "question_id": question_id,
            "choice": choice,
            "correct": correct,
            "points_due": points,
            "points_paid": payment.paid,
            "answered_at": now,
        },
    )
    return Answered(question_id, correct, payment)
