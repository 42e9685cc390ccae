"""Projects and donations: the operator opens and closes projects, citizens donate whole units
by a client key (a retry returns the first donation), points move citizen → `project:<id>`.
Services never commit; the entry point owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Row

from carbonledger.donations import repository as repo
from carbonledger.donations.rules import (
    PROJECT_STATUSES,
    DonationError,
    ProjectTerms,
    donation_points,
    donation_transfer,
    project_account,
    project_problems,
)
from carbonledger.errors import Conflict, InsufficientPoints, InvalidInput, NotFound
from carbonledger.ids import ulid
from carbonledger.points import ledger
from carbonledger.points.postings import citizen_account

MAX_KEY = 64
RECENT_DONATIONS = 50


def create_project(
    conn: Connection, terms: ProjectTerms, operator_id: str | None, now: datetime
) -> str:
    """Open a project to donations and its point account; return its id."""
    problems = project_problems(terms)
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_project")
    project_id = ulid(now)
    repo.insert_project(
        conn,
        {
            "id": project_id,
            "kind": terms.kind,
            "name_zh": terms.name_zh.strip(),
            "name_en": terms.name_en.strip(),
            "unit_zh": terms.unit_zh.strip(),
            "unit_en": terms.unit_en.strip(),
            "points_per_unit": terms.points_per_unit,
            "goal_points": terms.goal_points,
            "status": "open",
            "raised_points": 0,
            "units_funded": 0,
            "donors": 0,
            "created_at": now,
            "created_by": operator_id,
        },
    )
    ledger.open_accounts(conn, [(project_account(project_id), "project")], now)
    return project_id


def set_status(conn: Connection, project_id: str, status: str) -> None:
    """Close a project to donations, or open it again."""
    if status not in PROJECT_STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(PROJECT_STATUSES)}, not {status!r}",
            code="invalid_status",
        )
    if not repo.set_status(conn, project_id, status):
        raise NotFound(f"no project has the id {project_id!r}", code="unknown_project")


def projects(conn: Connection) -> list[Row[Any]]:
    return repo.all_projects(conn)


def project(conn: Connection, project_id: str) -> Row[Any]:
    row = repo.project(conn, project_id)
    if row is None:
        raise NotFound(f"no project has the id {project_id!r}", code="unknown_project")
    return row


@dataclass(frozen=True, slots=True)
class Donated:
    """A donation as stored; `replayed` when the request repeated an earlier one's key."""

    donation: Row[Any]
    replayed: bool


def _replay(found: Row[Any], project_id: str, units: int) -> Donated:
    if found.project_id != project_id or found.units != units:
        raise Conflict(
            f"the key {found.client_key!r} was used for another donation; "
            "a retry must repeat the request exactly, a new donation needs a new key",
            code="idempotency_key_reused",
        )
    return Donated(found, True)


def donate(
    conn: Connection, citizen_id: str, project_id: str, units: int, key: str, now: datetime
) -> Donated:
    """Donate `units` of a project's work; a request repeating an earlier key returns the
    earlier donation and moves nothing."""
    if not 1 <= len(key) <= MAX_KEY:
        raise InvalidInput(f"key must be 1 to {MAX_KEY} characters", code="invalid_donation")
    found = repo.donation_by_key(conn, citizen_id, key)
    if found is not None:
        return _replay(found, project_id, units)
    target = repo.project(conn, project_id, lock=True)
    if target is None:
        raise NotFound(f"no project has the id {project_id!r}", code="unknown_project")
    try:
        points = donation_points(
            units,
            points_per_unit=target.points_per_unit,
            goal_points=target.goal_points,
            raised_points=target.raised_points,
            status=target.status,
        )
    except DonationError as error:
        error_type = InvalidInput if error.code == "invalid_units" else Conflict
        raise error_type(str(error), code=error.code) from None
    held = ledger.balance(conn, citizen_account(citizen_id))
    if held < points:
        raise InsufficientPoints(
            f"you hold {held} points and {units} {target.unit_zh} ({target.unit_en}) cost "
            f"{points}; nothing was moved"
        )
    new_donor = not repo.has_donated(conn, citizen_id, project_id)
    row = {
        "id": ulid(now),
        "project_id": project_id,
        "citizen_id": citizen_id,
        "client_key": key,
        "units": units,
        "points": points,
        "created_at": now,
    }
    # A concurrent retry with the same key may have won: its donation is the answer.
    if not repo.insert_donation(conn, row):
        stored = repo.donation_by_key(conn, citizen_id, key)
        assert stored is not None
        return _replay(stored, project_id, units)
    repo.add_progress(conn, project_id, points, units, new_donor)
    transfer = donation_transfer(
        citizen_id=citizen_id, project_id=project_id, key=key, points=points, units=units
    )
    ledger.post(conn, [transfer], now)
    stored = repo.donation_by_key(conn, citizen_id, key)
    assert stored is not None
    return Donated(stored, False)


@dataclass(frozen=True, slots=True)
class Funded:
    """What a citizen funded: per project (`projects`, with units and points) and their latest
    donations."""

    projects: list[Row[Any]]
    recent: list[Row[Any]]


def funded_by(conn: Connection, citizen_id: str) -> Funded:
    return Funded(
        repo.funded_by(conn, citizen_id), repo.donations_of(conn, citizen_id, RECENT_DONATIONS)
    )
