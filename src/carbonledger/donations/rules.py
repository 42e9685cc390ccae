"""Public-welfare projects and donations to them. Pure.

A project (tree planting, fish release, river clean-up) prices one unit of its work in points
(e.g. 100 points for one tree, 棵) and has a goal in points, a whole number of units. Citizens
donate whole units: what they funded is then always something real ("3 trees"), never a
fraction of one, and a project's progress is counted in units as well as points. A donation
that would take a project past its goal is refused with the units still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from carbonledger.points.postings import Transfer, citizen_account

ProjectKind = Literal["tree_planting", "fish_release", "river_cleanup"]
PROJECT_KINDS: tuple[str, ...] = get_args(ProjectKind)
PROJECT_STATUSES = ("open", "closed")
MAX_UNITS = 1_000_000  # one donation; beyond this is taken for a typo
_MAX_NAME = 200
_MAX_UNIT_NAME = 32


class DonationError(ValueError):
    """A donation was refused; `code` names the reason and the message says what to do."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def project_account(project_id: str) -> str:
    """The point account that holds what a project raised."""
    return f"project:{project_id}"


@dataclass(frozen=True, slots=True)
class ProjectTerms:
    """A project as the operator describes it."""

    kind: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    points_per_unit: int
    goal_points: int


def project_problems(terms: ProjectTerms) -> list[str]:
    """Every problem with a project, so the operator fixes them all at once."""
    found = []
    if terms.kind not in PROJECT_KINDS:
        found.append(f"kind must be one of {', '.join(PROJECT_KINDS)}, not {terms.kind!r}")
    for label, zh, en, longest in (
        ("name", terms.name_zh, terms.name_en, _MAX_NAME),
        ("unit", terms.unit_zh, terms.unit_en, _MAX_UNIT_NAME),
    ):
        if not zh.strip() or not en.strip():
            found.append(f"needs a {label} in Chinese ({label}_zh) and in English ({label}_en)")
        if max(len(zh), len(en)) > longest:
            found.append(f"{label}_zh and {label}_en must be at most {longest} characters")
    if terms.points_per_unit <= 0:
        found.append(f"points_per_unit must be 1 or more, not {terms.points_per_unit}")
    elif terms.goal_points <= 0 or terms.goal_points % terms.points_per_unit:
        found.append(
            f"goal_points must be a positive whole number of units of {terms.points_per_unit} "
            f"points, not {terms.goal_points}"
        )
    return found


def donation_points(
    units: int, *, points_per_unit: int, goal_points: int, raised_points: int, status: str
) -> int:
    """The points `units` cost, if the project can take them; DonationError otherwise."""
    if not 1 <= units <= MAX_UNITS:
        raise DonationError(f"units must be from 1 to {MAX_UNITS}, not {units}", "invalid_units")
    if status != "open":
        raise DonationError("this project is closed to donations", "project_closed")
    open_units = (goal_points - raised_points) // points_per_unit
    if open_units <= 0:
        raise DonationError("this project has reached its goal; thank you", "goal_reached")
    if units > open_units:
        raise DonationError(
            f"only {open_units} unit(s) remain before this project reaches its goal; "
            f"donate {open_units} or fewer",
            "over_goal",
        )
    return units * points_per_unit


def donation_transfer(
    *, citizen_id: str, project_id: str, key: str, points: int, units: int
) -> Transfer:
    """The posting of a donation; `key` is the citizen's client key, so a retry pays once."""
    return Transfer(
        idempotency_key=f"donation:{citizen_id}:{key}",
        kind="donation",
        debit=citizen_account(citizen_id),
        credit=project_account(project_id),
        amount=points,
        ref=project_id,
        memo=f"{units} unit(s)",
    )
