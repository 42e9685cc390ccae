"""The operator's engagement settings, the budgets engagement points are paid from, and what a
citizen is told when a budget runs short. Pure.

Budgets are campaign budget accounts (`campaign:<name>`): `checkin` pays check-ins, `quiz` pays
right answers and `event-<id>` pays attendance at one volunteer event. The operator funds them
from the city's issuance account; a budget that holds less than is due pays what it holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace

from carbonledger.points.engagement import QuizRules, StreakBonus

CHECKIN_BUDGET = "checkin"
# An attendance code is taken from the event's start until this long after its end: long enough
# to enter it at home the next week, short enough that an event's budget can be closed.
ATTENDANCE_DAYS = 7
QUIZ_BUDGET = "quiz"
_EVENT_BUDGET_PREFIX = "event-"
_EVENT_BUDGET = re.compile(r"^event-([0-9A-Z]{26})$")
# Large enough for any real scheme, small enough that a typo (an extra few zeros) is caught.
MAX_SETTING = 100_000


def event_budget(event_id: str) -> str:
    """The budget (campaign id) that pays attendance at one volunteer event."""
    return f"{_EVENT_BUDGET_PREFIX}{event_id}"


def event_of_budget(budget: str) -> str | None:
    """The event id a budget name stands for, or None when it names no event's budget."""
    match = _EVENT_BUDGET.match(budget)
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class EngagementRules:
    """What check-ins and quizzes earn; the operator may change each value."""

    checkin_base: int = 5
    checkin_streak_per_day: int = 1
    checkin_streak_max_bonus: int = 6
    quiz_daily_limit: int = 5
    quiz_points_per_correct: int = 2

    @property
    def streak_bonus(self) -> StreakBonus:
        return StreakBonus(self.checkin_streak_per_day, self.checkin_streak_max_bonus)

    @property
    def quiz(self) -> QuizRules:
        return QuizRules(self.quiz_daily_limit, self.quiz_points_per_correct)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


SETTING_NAMES = tuple(f.name for f in fields(EngagementRules))


def stored_rules(stored: Mapping[str, int]) -> EngagementRules:
    """The rules from the stored settings; a setting never stored keeps its default."""
    return replace(EngagementRules(), **{k: v for k, v in stored.items() if k in SETTING_NAMES})


def changed_rules(current: EngagementRules, changes: Mapping[str, object]) -> EngagementRules:
    """`current` with `changes` applied; raises ValueError listing every problem at once."""
    problems = [f"unknown setting {name!r}" for name in sorted(set(changes) - set(SETTING_NAMES))]
    accepted: dict[str, int] = {}
    for name in SETTING_NAMES:
        if name not in changes:
            continue
        value = changes[name]
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{name} must be a whole number, not {value!r}")
        elif not 0 <= value <= MAX_SETTING:
            problems.append(f"{name} must be from 0 to {MAX_SETTING}, not {value}")
        else:
            accepted[name] = value
    if problems:
        raise ValueError("; ".join(problems))
    return replace(current, **accepted)


@dataclass(frozen=True, slots=True)
class Payment:
    """Points due for an engagement and the points its budget paid (no more than it held)."""

    budget: str
    due: int
    paid: int

    @property
    def short(self) -> bool:
        return self.paid < self.due

    def notice(self) -> str | None:
        """What the citizen is told when the budget could not pay everything due."""
        if not self.short:
            return None
        what = {CHECKIN_BUDGET: "check-in", QUIZ_BUDGET: "quiz"}.get(self.budget, "event's")
        return (
            f"the {what} budget has run short: {self.paid} of the {self.due} points due were paid"
        )


# The question bank and volunteer events

MIN_CHOICES = 2
MAX_CHOICES = 6
MAX_NAME = 200  # events.name_zh, name_en and place are String(200)


def question_problems(
    prompt_zh: str, prompt_en: str, choices_zh: list[str], choices_en: list[str], answer: int
) -> list[str]:
    """Every problem with a bilingual question, so the operator fixes them all at once."""
    found = []
    if not prompt_zh.strip() or not prompt_en.strip():
        found.append("needs a prompt in Chinese (prompt_zh) and in English (prompt_en)")
    if not MIN_CHOICES <= len(choices_zh) <= MAX_CHOICES:
        found.append(f"needs {MIN_CHOICES} to {MAX_CHOICES} choices, not {len(choices_zh)}")
    if len(choices_en) != len(choices_zh):
        found.append(
            f"choices_zh ({len(choices_zh)}) and choices_en ({len(choices_en)}) must list "
            "the same choices in the same order"
        )
    if any(not choice.strip() for choice in (*choices_zh, *choices_en)):
        found.append("no choice may be empty")
    if not 0 <= answer < len(choices_zh):
        found.append(f"answer must index one of the choices (0 to {len(choices_zh) - 1})")
    return found


def event_text_problems(name_zh: str, name_en: str, place: str) -> list[str]:
    """Problems with an event's names and place (its times and numbers are checked by
    `points.engagement.event_problems`)."""
    found = []
    if not name_zh.strip() or not name_en.strip():
        found.append("needs a name in Chinese (name_zh) and in English (name_en)")
    if not place.strip():
        found.append("needs a place where volunteers meet")
    too_long = [
        n
        for n, v in (("name_zh", name_zh), ("name_en", name_en), ("place", place))
        if len(v) > MAX_NAME
    ]
    if too_long:
        found.append(f"{', '.join(too_long)} must be at most {MAX_NAME} characters")
    return found
