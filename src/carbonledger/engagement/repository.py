"""SQL of engagement: settings, budget balances, check-ins, the quiz bank and answers, volunteer
events and sign-ups. Locks are row locks on PostgreSQL; SQLite's single writer needs none."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.db import insert_if_new, upsert
from carbonledger.engagement.tables import (
    check_ins,
    engagement_settings,
    event_signups,
    events,
    quiz_answers,
    quiz_questions,
)
from carbonledger.points.tables import point_accounts

# Settings and balances


def settings(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(engagement_settings.c.name, engagement_settings.c.value))
    return {row.name: int(row.value) for row in rows}


def save_settings(
    conn: Connection, values: dict[str, int], now: datetime, operator_id: str | None
) -> None:
    rows = [
        {"name": name, "value": value, "updated_at": now, "updated_by": operator_id}
        for name, value in values.items()
    ]
    upsert(
        conn,
        engagement_settings,
        rows,
        keys=["name"],
        replace=["value", "updated_at", "updated_by"],
    )


def locked_balance(conn: Connection, account: str) -> int | None:
    """The balance of a point account, its row locked until the transaction ends, so that what
    is read stays true until the transaction has paid from it (None when there is no account)."""
    value: int | None = conn.execute(
        select(point_accounts.c.balance).where(point_accounts.c.id == account).with_for_update()
    ).scalar()
    return value


def balances(conn: Connection, accounts: Sequence[str]) -> dict[str, int]:
    rows = conn.execute(
        select(point_accounts.c.id, point_accounts.c.balance).where(
            point_accounts.c.id.in_(accounts)
        )
    )
    return {row.id: int(row.balance) for row in rows}


# Check-ins


def last_check_in(conn: Connection, citizen_id: str) -> Row[Any] | None:
    return conn.execute(
        select(check_ins)
        .where(check_ins.c.citizen_id == citizen_id)
        .order_by(check_ins.c.day.desc())
        .limit(1)
    ).first()


def insert_check_in(conn: Connection, row: dict[str, Any]) -> bool:
    """False when the citizen has a check-in on that day already (perhaps a concurrent one)."""
    return insert_if_new(conn, check_ins, row)


def set_check_in_paid(conn: Connection, citizen_id: str, day: date, paid: int) -> None:
    conn.execute(
        update(check_ins)
        .where(check_ins.c.citizen_id == citizen_id, check_ins.c.day == day)
        .values(points_paid=paid)
    )


# Quiz


def insert_question(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(quiz_questions.insert(), [row])


def question(conn: Connection, question_id: str) -> Row[Any] | None:
    return conn.execute(select(quiz_questions).where(quiz_questions.c.id == question_id)).first()


def all_questions(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(quiz_questions).order_by(quiz_questions.c.id)))


def active_question_ids(conn: Connection) -> list[str]:
    rows = conn.execute(
        select(quiz_questions.c.id).where(quiz_questions.c.status == "active")
    ).scalars()
    return list(rows)


def questions_by_id(conn: Connection, ids: Sequence[str]) -> list[Row[Any]]:
    if not ids:
        return []
    return list(conn.execute(select(quiz_questions).where(quiz_questions.c.id.in_(ids))))


def retire_question(conn: Connection, question_id: str, now: datetime) -> bool:
    result = conn.execute(
        update(quiz_questions)
        .where(quiz_questions.c.id == question_id, quiz_questions.c.status == "active")
        .values(status="retired", retired_at=now)
    )
    return result.rowcount == 1


def answers_on(conn: Connection, citizen_id: str, day: date) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(quiz_answers).where(
                quiz_answers.c.citizen_id == citizen_id, quiz_answers.c.day == day
            )
        )
    )


def insert_answer(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(quiz_answers.insert(), [row])


# Volunteer events


def insert_event(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(events.insert(), [row])


def event(conn: Connection, event_id: str, *, lock: bool = False) -> Row[Any] | None:
    """One event; `lock` holds its row until the transaction ends, so that sign-ups for it are
    counted and taken one at a time."""
    statement = select(events).where(events.c.id == event_id)
    return conn.execute(statement.with_for_update() if lock else statement).first()


def _taken() -> Any:
    return (
        select(func.count())
        .where(event_signups.c.event_id == events.c.id)
        .correlate(events)
        .scalar_subquery()
        .label("taken")
    )


def events_ending_after(conn: Connection, at: datetime) -> list[Row[Any]]:
    """Events not yet over at `at`, soonest first, each with its places taken."""
    return list(
        conn.execute(
            select(events, _taken())
            .where(events.c.ends_at > at)
            .order_by(events.c.starts_at, events.c.id)
        )
    )


def signups_for(conn: Connection, event_id: str) -> int:
    count: int = conn.execute(
        select(func.count()).where(event_signups.c.event_id == event_id)
    ).scalar_one()
    return count


def signup(conn: Connection, event_id: str, citizen_id: str) -> Row[Any] | None:
    return conn.execute(
        select(event_signups).where(
            event_signups.c.event_id == event_id, event_signups.c.citizen_id == citizen_id
        )
    ).first()


def insert_signup(conn: Connection, row: dict[str, Any]) -> bool:
    return insert_if_new(conn, event_signups, row)


def delete_signup(conn: Connection, event_id: str, citizen_id: str) -> None:
    conn.execute(
        delete(event_signups).where(
            event_signups.c.event_id == event_id,
            event_signups.c.citizen_id == citizen_id,
            event_signups.c.attended_at.is_(None),
        )
    )


def mark_attended(conn: Connection, event_id: str, citizen_id: str, now: datetime) -> bool:
    """Record attendance once; False when it was recorded before (perhaps concurrently)."""
    result = conn.execute(
        update(event_signups)
        .where(
            event_signups.c.event_id == event_id,
            event_signups.c.citizen_id == citizen_id,
            event_signups.c.attended_at.is_(None),
        )
        .values(attended_at=now)
    )
    return result.rowcount == 1


def set_attendance_points(
    conn: Connection, event_id: str, citizen_id: str, due: int, paid: int
) -> None:
    conn.execute(
        update(event_signups)
        .where(event_signups.c.event_id == event_id, event_signups.c.citizen_id == citizen_id)
        .values(points_due=due, points_paid=paid)
    )


def signups_of(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    """A citizen's sign-ups with their events, latest event first."""
    return list(
        conn.execute(
            select(event_signups, events)
            .join(events, events.c.id == event_signups.c.event_id)
            .where(event_signups.c.citizen_id == citizen_id)
            .order_by(events.c.starts_at.desc(), events.c.id)
        )
    )
