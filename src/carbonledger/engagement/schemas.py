"""Request and response bodies of the check-in, quiz and volunteer event routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from carbonledger.bounds import Amount, Instant
from carbonledger.engagement.rules import Payment


class Paid(BaseModel):
    """What an engagement earned: points due, points its budget paid, and a notice when the
    budget ran short."""

    budget: str
    points_due: int
    points_paid: int
    notice: str | None = None

    @classmethod
    def of(cls, payment: Payment) -> Paid:
        return cls(
            budget=payment.budget,
            points_due=payment.due,
            points_paid=payment.paid,
            notice=payment.notice(),
        )


class CheckInOut(Paid):
    day: date
    streak: int


class CheckInStatusOut(BaseModel):
    """The live streak, whether today's check-in is done, and what today's check-in earns
    (or earned) before the budget's limit."""

    day: date
    streak: int
    done_today: bool
    points_today: int


class QuizAnswered(BaseModel):
    correct: bool
    points_paid: int


class QuizQuestionOut(BaseModel):
    """A question as a citizen sees it: never with its answer."""

    question: str
    prompt_zh: str
    prompt_en: str
    choices_zh: list[str]
    choices_en: list[str]
    answered: QuizAnswered | None = None


class QuizOut(BaseModel):
    day: date
    daily_limit: int
    points_per_correct: int
    answered: int
    questions: list[QuizQuestionOut]


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    choice: Amount = Field(ge=0, description="The index of the chosen answer, from 0.")


class AnswerOut(Paid):
    question: str
    correct: bool


class EventFields(BaseModel):
    """What every view of a volunteer event shows."""

    event: str
    kind: str
    name_zh: str
    name_en: str
    place: str
    starts_at: datetime
    ends_at: datetime

    @staticmethod
    def of_row(row: Any) -> dict[str, Any]:
        names = ("kind", "name_zh", "name_en", "place", "starts_at", "ends_at")
        return {"event": row.id, **{name: getattr(row, name) for name in names}}


class EventOut(EventFields):
    """A volunteer event as anyone sees it."""

    capacity: int
    places_left: int
    points_per_hour: int

    @classmethod
    def of(cls, row: Any, taken: int) -> EventOut:
        return cls(
            **cls.of_row(row),
            capacity=row.capacity,
            places_left=max(row.capacity - taken, 0),
            points_per_hour=row.points_per_hour,
        )


class MyEventOut(EventFields):
    """One of the citizen's sign-ups and, after the event, what attending earned."""

    signed_up_at: datetime
    attended_at: datetime | None
    points_due: int | None
    points_paid: int | None

    @classmethod
    def of(cls, row: Any) -> MyEventOut:
        return cls(
            **cls.of_row(row),
            signed_up_at=row.signed_up_at,
            attended_at=row.attended_at,
            points_due=row.points_due,
            points_paid=row.points_paid,
        )


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32, description="The organiser's code.")


class AttendanceOut(Paid):
    event: str


# Operator


class RulesOut(BaseModel):
    checkin_base: int
    checkin_streak_per_day: int
    checkin_streak_max_bonus: int
    quiz_daily_limit: int
    quiz_points_per_correct: int


class RulesIn(BaseModel):
    """The settings to change; those left out keep their value."""

    model_config = ConfigDict(extra="forbid")
    checkin_base: Amount | None = None
    checkin_streak_per_day: Amount | None = None
    checkin_streak_max_bonus: Amount | None = None
    quiz_daily_limit: Amount | None = None
    quiz_points_per_correct: Amount | None = None


class FundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points: Amount = Field(ge=1)
    key: str = Field(
        min_length=1, max_length=64, description="Your name for this top-up; a retry repeats it."
    )


class FundOut(BaseModel):
    budget: str
    balance: int
    funded: bool = Field(description="False when this key funded the budget before.")


class BudgetOut(BaseModel):
    budget: str
    balance: int


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt_zh: str = Field(max_length=2000)
    prompt_en: str = Field(max_length=2000)
    choices_zh: list[str] = Field(max_length=6)
    choices_en: list[str] = Field(max_length=6)
    answer: Amount = Field(description="The index of the right choice, from 0.")


class QuestionOut(BaseModel):
    """A bank question as the operator sees it, with its answer."""

    question: str
    prompt_zh: str
    prompt_en: str
    choices_zh: list[str]
    choices_en: list[str]
    answer: int
    status: str
    created_at: datetime
    retired_at: datetime | None


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="river_cleanup, tree_planting or fish_release")
    name_zh: str
    name_en: str
    place: str
    starts_at: Instant
    ends_at: Instant
    capacity: Amount
    points_per_hour: Amount
    budget: Amount = Field(0, description="Points moved from issuance to the event's budget.")


class EventCreatedOut(EventOut):
    attendance_code: str = Field(description="Shown this once: only its hash is kept.")
    budget: str
    balance: int
