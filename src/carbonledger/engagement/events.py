"""Environmental volunteer events (环保志愿活动: river clean-up, tree planting, fish release).

The operator creates an event with its budget and receives the organiser's attendance code
once; only its hash is kept. Citizens sign up until the event begins (capacity holds under
concurrency: sign-ups for one event are taken one at a time under a lock on its row) and may
withdraw until then. A citizen who signed up enters the code from the event's start until
`ATTENDANCE_DAYS` after its end, once, and is paid for the event's hours from its budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Row

from carbonledger.engagement import repository as repo
from carbonledger.engagement.rules import (
    ATTENDANCE_DAYS,
    Payment,
    event_budget,
    event_text_problems,
)
from carbonledger.engagement.service import fund_budget, pay
from carbonledger.errors import Conflict, Forbidden, InvalidInput, NotFound
from carbonledger.ids import ulid
from carbonledger.keys import Keys
from carbonledger.points import ledger
from carbonledger.points.campaigns import campaign_account
from carbonledger.points.engagement import (
    Event,
    EventError,
    attendance_code_matches,
    attendance_points,
    check_sign_up,
    event_problems,
    hash_attendance_code,
    new_attendance_code,
)

_ATTENDANCE_WINDOW = timedelta(days=ATTENDANCE_DAYS)


def _pure(row: Row[Any]) -> Event:
    return Event(
        row.id,
        row.kind,
        row.starts_at,
        row.ends_at,
        row.points_per_hour,
        row.capacity,
        row.attendance_code_hash,
    )


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event as the operator describes it."""

    kind: str
    name_zh: str
    name_en: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    points_per_hour: int
    budget: int


def create_event(
    conn: Connection, keys: Keys, new: NewEvent, operator_id: str | None, now: datetime
) -> tuple[str, str]:
    """Create the event and fund its budget; return (event id, attendance code). The code is
    shown this once: only its keyed hash is stored."""
    event_id, code = ulid(now), new_attendance_code()
    event = Event(
        event_id,
        new.kind,  # type: ignore[arg-type]  # checked by event_problems
        new.starts_at,
        new.ends_at,
        new.points_per_hour,
        new.capacity,
        hash_attendance_code(keys.hash_key, code),
    )
    problems = event_problems(event) + event_text_problems(new.name_zh, new.name_en, new.place)
    if new.starts_at.utcoffset() is not None and new.starts_at <= now:
        problems.append("starts_at must be in the future: citizens sign up before the event")
    if new.budget < 0:
        problems.append(f"budget must be 0 or more points, not {new.budget}")
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_event")
    repo.insert_event(
        conn,
        {
            "id": event_id,
            "kind": new.kind,
            "name_zh": new.name_zh.strip(),
            "name_en": new.name_en.strip(),
            "place": new.place.strip(),
            "starts_at": new.starts_at,
            "ends_at": new.ends_at,
            "capacity": new.capacity,
            "points_per_hour": new.points_per_hour,
            "attendance_code_hash": event.attendance_code_hash,
            "created_at": now,
            "created_by": operator_id,
        },
    )
    budget = event_budget(event_id)
    ledger.open_accounts(conn, [(campaign_account(budget), "campaign")], now)
    if new.budget:
        fund_budget(conn, budget, new.budget, "initial", now)
    return event_id, code


def upcoming(conn: Connection, now: datetime) -> list[Row[Any]]:
    """Events not over yet, soonest first, with places taken (`taken`)."""
    return repo.events_ending_after(conn, now)


def get(conn: Connection, event_id: str, *, lock: bool = False) -> Row[Any]:
    """One event; NotFound `unknown_event` when there is none."""
    row = repo.event(conn, event_id, lock=lock)
    if row is None:
        raise NotFound(f"no volunteer event has the id {event_id!r}", code="unknown_event")
    return row


def sign_up(conn: Connection, event_id: str, citizen_id: str, now: datetime) -> bool:
    """Sign the citizen up; True when this request did (False: they were signed up already)."""
    event = get(conn, event_id, lock=True)
    if repo.signup(conn, event_id, citizen_id) is not None:
        return False
    taken = repo.signups_for(conn, event_id)
    try:
        check_sign_up(_pure(event), taken, now)
    except EventError as error:
        code = "sign_up_closed" if now >= event.starts_at else "event_full"
        raise Conflict(str(error), code=code) from None
    return repo.insert_signup(
        conn, {"event_id": event_id, "citizen_id": citizen_id, "signed_up_at": now}
    )


def _signup(conn: Connection, event_id: str, citizen_id: str) -> Row[Any]:
    row = repo.signup(conn, event_id, citizen_id)
    if row is None:
        raise NotFound("you have not signed up for this event", code="not_signed_up")
    return row


def withdraw(conn: Connection, event_id: str, citizen_id: str, now: datetime) -> None:
    """Give the citizen's place back, until the event begins."""
    event = get(conn, event_id, lock=True)
    if _signup(conn, event_id, citizen_id).attended_at is not None:
        raise Conflict("your attendance at this event is recorded", code="already_attended")
    if now >= event.starts_at:
        raise Conflict(
            f"the event began at {event.starts_at.isoformat()}; sign-ups stand after that",
            code="event_started",
        )
    repo.delete_signup(conn, event_id, citizen_id)


def attend(
    conn: Connection, keys: Keys, event_id: str, citizen_id: str, code: str, now: datetime
) -> Payment:
    """Confirm the citizen's attendance with the organiser's code and pay the event's hours."""
    event = get(conn, event_id)
    _signup(conn, event_id, citizen_id)
    pure = _pure(event)
    if not event.starts_at <= now < event.ends_at + _ATTENDANCE_WINDOW:
        raise Conflict(
            f"attendance codes are taken from the event's start ({event.starts_at.isoformat()}) "
            f"until {ATTENDANCE_DAYS} days after its end",
            code="attendance_closed",
        )
    if not attendance_code_matches(pure, keys.hash_key, code):
        raise Forbidden(
            "this is not the event's attendance code; check it with the organiser",
            code="wrong_attendance_code",
        )
    # A conditional update, not a read: two requests racing with the code pay once.
    if not repo.mark_attended(conn, event_id, citizen_id, now):
        raise Conflict("your attendance at this event is recorded already", code="already_attended")
    points = attendance_points(pure, pure.length)
    payment = pay(
        conn,
        "volunteer",
        citizen_id=citizen_id,
        budget=event_budget(event_id),
        points=points,
        ref=event_id,
        now=now,
    )
    repo.set_attendance_points(conn, event_id, citizen_id, points, payment.paid)
    return payment


def signups_of(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    """The citizen's sign-ups, each with its event, latest first."""
    return repo.signups_of(conn, citizen_id)
