"""Engagement awards (互动积分): the daily check-in (签到) with a streak bonus, quizzes from a
question bank (答题), and environmental volunteer events (环保志愿活动: river clean-up, tree
planting, fish release). Pure.

These points carry no CO2: they are paid from a campaign's budget account, never from issuance,
so the log's points still equal issuance movements. `payable` limits an amount to what the
budget holds; `engagement_transfer` builds the posting, keyed so that a retried request cannot
pay twice (one check-in a day, one answer per question a day, one attendance per event).

Check-in bonus schedule (`StreakBonus`, default): day 1 of a streak earns the base, each further
consecutive day one point more, up to +6 from day 7 on; a missed day starts the streak again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, get_args

from carbonledger.accounts.protection import keyed_digest
from carbonledger.ids import random_code
from carbonledger.points.campaigns import campaign_account
from carbonledger.points.postings import Transfer, citizen_account

EventKind = Literal["river_cleanup", "tree_planting", "fish_release"]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
Engagement = Literal["checkin", "quiz", "volunteer"]
ATTENDANCE_CODE_LENGTH = 8  # Crockford base-32: 40 bits, read out or shown once at the event
_HOUR = timedelta(hours=1)
_ONE_DAY = timedelta(days=1)


class CheckInError(ValueError):
    """A check-in was refused; the message tells the citizen why."""


class QuizError(ValueError):
    """A quiz answer was refused or the quiz rules are unusable; the message says why."""


class EventError(ValueError):
    """A volunteer event, sign-up or attendance was refused; the message says why."""


def payable(points: int, budget_left: int) -> int:
    """What can be paid of `points` from a budget holding `budget_left`."""
    return max(min(points, budget_left), 0)


def engagement_transfer(
    kind: Engagement, *, citizen_id: str, campaign_id: str, points: int, ref: str
) -> Transfer | None:
    """The posting of an engagement award from a campaign's budget (None for 0 points).

    `ref` makes the key unique per earning: the day's ISO date for a check-in, `day:question`
    for a quiz answer, the event id for volunteer attendance.
    """
    if points <= 0:
        return None
    return Transfer(
        idempotency_key=f"{kind}:{citizen_id}:{ref}",
        kind=kind,
        debit=campaign_account(campaign_id),
        credit=citizen_account(citizen_id),
        amount=points,
        ref=campaign_id,
        memo=ref,
    )


# Daily check-in


@dataclass(frozen=True, slots=True)
class StreakBonus:
    """Extra points on day n of a streak: (n − 1) × `per_day`, at most `max_bonus`."""

    per_day: int = 1
    max_bonus: int = 6

    def bonus(self, streak: int) -> int:
        return max(min((streak - 1) * self.per_day, self.max_bonus), 0)


def check_in_points(
    last_check_in: date | None,
    streak: int,
    today: date,
    base: int,
    streak_bonus: StreakBonus | None = None,
) -> tuple[int, int]:
    """(points, new streak) for a check-in on local day `today`, after the last one on
    `last_check_in` (None if never) which ended a streak of `streak` days."""
    if last_check_in == today:
        raise CheckInError(
            f"already checked in today ({today.isoformat()}); the next check-in opens tomorrow"
        )
    if last_check_in is not None and last_check_in > today:
        raise CheckInError(
            f"the last check-in ({last_check_in.isoformat()}) is after today "
            f"({today.isoformat()}); check the clock and time zone"
        )
    if streak < 0 or base < 0:
        raise CheckInError(f"streak ({streak}) and base points ({base}) cannot be negative")
    consecutive = last_check_in is not None and today - last_check_in == _ONE_DAY
    new_streak = streak + 1 if consecutive else 1
    return base + (streak_bonus or StreakBonus()).bonus(new_streak), new_streak


# Quizzes


@dataclass(frozen=True, slots=True)
class Question:
    """One entry of the question bank: a prompt, its choices and the index of the right one."""

    id: str
    prompt_zh: str
    prompt_en: str
    choices: tuple[str, ...]
    answer: int

    def __post_init__(self) -> None:
        if not 0 <= self.answer < len(self.choices):
            raise QuizError(
                f"question {self.id}: answer {self.answer} is not one of its "
                f"{len(self.choices)} choices"
            )


@dataclass(frozen=True, slots=True)
class QuizRules:
    """How many questions a citizen may answer a day and what a right answer earns."""

    daily_limit: int
    points_per_correct: int

    def __post_init__(self) -> None:
        if self.daily_limit < 0 or self.points_per_correct < 0:
            raise QuizError(
                f"daily_limit ({self.daily_limit}) and points_per_correct "
                f"({self.points_per_correct}) must be 0 or more"
            )


def grade(question: Question, choice: int) -> bool:
    """Whether `choice` (an index into the question's choices) is the right answer."""
    if not 0 <= choice < len(question.choices):
        raise QuizError(
            f"choice {choice} is not one of question {question.id}'s "
            f"{len(question.choices)} choices (0 to {len(question.choices) - 1})"
        )
    return choice == question.answer


def quiz_points(answered_today: int, correct: bool, *, rules: QuizRules) -> int:
    """Points for one answer by a citizen who has answered `answered_today` questions today.
    Answers beyond the daily limit are refused, not scored as 0, so the citizen is told."""
    if answered_today < 0:
        raise QuizError(f"questions answered today cannot be negative ({answered_today})")
    if answered_today >= rules.daily_limit:
        raise QuizError(
            f"today's {rules.daily_limit} question(s) are answered; new questions tomorrow"
        )
    return rules.points_per_correct if correct else 0


def daily_questions(
    bank: Sequence[Question], *, seed: bytes, day: date, count: int
) -> list[Question]:
    """The `count` questions a citizen gets on `day`: a fixed pick per (seed, day), so that
    reloading the page does not deal new questions. `seed` is per citizen (e.g. a pseudonym)."""

    def rank(question: Question) -> bytes:
        tag = b"|".join((seed, day.isoformat().encode(), question.id.encode("utf-8")))
        return hashlib.sha256(tag).digest()

    return sorted(bank, key=rank)[: max(count, 0)]


# Volunteer events


@dataclass(frozen=True, slots=True)
class Event:
    """A volunteer event citizens sign up for; the organiser confirms attendance with a code."""

    id: str
    kind: EventKind
    starts_at: datetime
    ends_at: datetime
    points_per_hour: int
    capacity: int
    attendance_code_hash: bytes

    @property
    def length(self) -> timedelta:
        return self.ends_at - self.starts_at


def event_problems(event: Event) -> list[str]:
    """Every problem with an event, so the organiser fixes them all at once."""
    found = []
    if not event.id:
        found.append("needs an id")
    if event.kind not in EVENT_KINDS:
        found.append(f"kind must be one of {', '.join(EVENT_KINDS)}, not {event.kind!r}")
    naive = [n for n in ("starts_at", "ends_at") if getattr(event, n).utcoffset() is None]
    if naive:
        found.append(f"{' and '.join(naive)} must carry a time zone")
    elif event.ends_at <= event.starts_at:
        found.append("ends_at must be after starts_at")
    if event.points_per_hour < 0:
        found.append(f"points_per_hour must be 0 or more, not {event.points_per_hour}")
    if event.capacity <= 0:
        found.append(f"capacity must be at least 1 place, not {event.capacity}")
    if len(event.attendance_code_hash) != hashlib.sha256().digest_size:
        found.append("attendance_code_hash must be the keyed hash of the code")
    return found


def _normalised(code: str) -> str:
    # Codes are read aloud or copied from a poster: spaces, hyphens and case do not matter.
    return "".join(code.split()).replace("-", "").upper()


def hash_attendance_code(hash_key: bytes, code: str) -> bytes:
    """What is stored of an attendance code, a bearer secret while the event's attendance window
    is open: a keyed hash after normalising, so a copy of the table does not let anyone try every
    code."""
    return keyed_digest(hash_key, "attendance_code", _normalised(code))


def new_attendance_code() -> str:
    """A fresh code for an organiser to show at the event; store only its hash."""
    return random_code(ATTENDANCE_CODE_LENGTH)


def attendance_code_matches(event: Event, hash_key: bytes, code: str) -> bool:
    """Whether `code` is the event's attendance code, compared in constant time."""
    return hmac.compare_digest(hash_attendance_code(hash_key, code), event.attendance_code_hash)


def check_sign_up(event: Event, signed_up: int, at: datetime) -> None:
    """Refuse a sign-up at `at` when `signed_up` citizens already fill the event or it began."""
    reasons = []
    if at >= event.starts_at:
        reasons.append(f"sign-up closed when the event began at {event.starts_at.isoformat()}")
    if signed_up >= event.capacity:
        reasons.append(f"the event is full ({signed_up} of {event.capacity} places taken)")
    if reasons:
        raise EventError("; ".join(reasons))


def attendance_points(event: Event, confirmed: timedelta) -> int:
    """Points for the time the organiser confirmed, at most the event's length, rounded down."""
    if confirmed < timedelta(0):
        raise EventError(f"confirmed time cannot be negative ({confirmed})")
    return min(confirmed, event.length) * event.points_per_hour // _HOUR
