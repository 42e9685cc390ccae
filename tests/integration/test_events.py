"""Volunteer events on SQLite and PostgreSQL: creation with a one-time attendance code and a
funded budget, sign-up within capacity, withdrawal, and attendance paid for the event's hours
from its own budget."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from carbonledger import db
from carbonledger.engagement import events, service
from carbonledger.engagement.tables import events as events_table
from carbonledger.errors import Conflict, Forbidden, InvalidInput, NotFound
from carbonledger.platform import Platform
from carbonledger.points.engagement import hash_attendance_code
from tests import factories
from tests.integration.earning import balance, reconciled, write

NOW = datetime(2026, 11, 2, 1, tzinfo=UTC)
STARTS = NOW + timedelta(days=3)
CLEANUP = events.NewEvent(
    kind="river_cleanup",
    name_zh="清河河道清理",
    name_en="Qinghe river clean-up",
    place="清河桥北侧",
    starts_at=STARTS,
    ends_at=STARTS + timedelta(hours=3),
    capacity=2,
    points_per_hour=10,
    budget=100,
)


def _create(platform: Platform, new: events.NewEvent = CLEANUP) -> tuple[str, str]:
    return write(platform, lambda conn: events.create_event(conn, platform.keys, new, "op-1", NOW))


def _sign_up(platform: Platform, event: str, citizen: str, at: datetime = NOW) -> bool:
    return write(platform, lambda conn: events.sign_up(conn, event, citizen, at))


def _attend(
    platform: Platform, event: str, citizen: str, code: str, at: datetime
) -> events.Payment:
    return write(
        platform, lambda conn: events.attend(conn, platform.keys, event, citizen, code, at)
    )


def test_an_event_keeps_only_its_codes_hash_and_funds_its_budget(platform: Platform) -> None:
    event, code = _create(platform)
    assert len(code) == 8
    with db.read(platform.engine) as conn:
        stored = conn.execute(select(events_table).where(events_table.c.id == event)).one()
        [listed] = events.upcoming(conn, NOW)
    assert stored.attendance_code_hash == hash_attendance_code(platform.keys.hash_key, code)
    assert code.encode() not in b"".join(str(v).encode() for v in stored)
    assert (listed.id, listed.taken, listed.capacity) == (event, 0, 2)
    assert balance(platform, f"campaign:event-{event}") == 100
    with db.read(platform.engine) as conn:
        budgets = service.budget_balances(conn, NOW)
        # A week after the event no code is taken any more: its budget is no longer listed.
        later = service.budget_balances(conn, CLEANUP.ends_at + timedelta(days=7))
    assert budgets == {"checkin": 0, "quiz": 0, f"event-{event}": 100}
    assert later == {"checkin": 0, "quiz": 0}
    reconciled(platform)


def test_only_events_not_over_are_listed(platform: Platform) -> None:
    event, _ = _create(platform)
    with db.read(platform.engine) as conn:
        assert [e.id for e in events.upcoming(conn, CLEANUP.ends_at - timedelta(minutes=1))] == [
            event
        ]
        assert events.upcoming(conn, CLEANUP.ends_at) == []


def test_every_problem_with_an_event_is_reported(platform: Platform) -> None:
    bad = replace(
        CLEANUP,
        kind="beach",
        name_en=" ",
        starts_at=NOW - timedelta(hours=1),
        ends_at=NOW - timedelta(hours=2),
        capacity=0,
        budget=-5,
    )
    with pytest.raises(InvalidInput) as refused:
        _create(platform, bad)
    assert refused.value.code == "invalid_event"
    for part in ("kind must be", "ends_at must be after", "capacity", "name", "future", "budget"):
        assert part in refused.value.message
    with db.read(platform.engine) as conn:
        assert events.upcoming(conn, NOW - timedelta(days=1)) == []


def test_capacity_is_enforced_and_a_withdrawal_frees_a_place(platform: Platform) -> None:
    event, _ = _create(platform)
    first, second, third = (factories.add_citizen(platform) for _ in range(3))
    assert _sign_up(platform, event, first)
    assert not _sign_up(platform, event, first)  # signed up already: nothing changes
    assert _sign_up(platform, event, second)
    with pytest.raises(Conflict) as full:
        _sign_up(platform, event, third)
    assert full.value.code == "event_full"
    write(platform, lambda conn: events.withdraw(conn, event, first, NOW))
    assert _sign_up(platform, event, third)
    with db.read(platform.engine) as conn:
        assert [e.taken for e in events.upcoming(conn, NOW)] == [2]
        assert [row.event_id for row in events.signups_of(conn, third)] == [event]
        assert events.signups_of(conn, first) == []


def test_sign_up_and_withdrawal_close_when_the_event_begins(platform: Platform) -> None:
    event, _ = _create(platform)
    early, late = factories.add_citizen(platform), factories.add_citizen(platform)
    _sign_up(platform, event, early)
    with pytest.raises(Conflict) as closed:
        _sign_up(platform, event, late, STARTS)
    assert closed.value.code == "sign_up_closed"
    with pytest.raises(Conflict) as started:
        write(platform, lambda conn: events.withdraw(conn, event, early, STARTS))
    assert started.value.code == "event_started"
    with pytest.raises(NotFound) as not_signed:
        write(platform, lambda conn: events.withdraw(conn, event, late, NOW))
    assert not_signed.value.code == "not_signed_up"
    with pytest.raises(NotFound) as unknown:
        _sign_up(platform, event="01JD0000000000000000000000", citizen=late)
    assert unknown.value.code == "unknown_event"


def test_attendance_pays_the_events_hours_once(platform: Platform) -> None:
    event, code = _create(platform)
    citizen = factories.add_citizen(platform)
    _sign_up(platform, event, citizen)
    after = CLEANUP.ends_at + timedelta(hours=1)
    # Codes are read aloud: case, spaces and hyphens do not matter.
    spoken = f"{code[:4].lower()}-{code[4:]}"
    paid = _attend(platform, event, citizen, spoken, after)
    assert (paid.due, paid.paid) == (30, 30)
    with pytest.raises(Conflict) as again:
        _attend(platform, event, citizen, code, after)
    assert again.value.code == "already_attended"
    assert balance(platform, f"citizen:{citizen}") == 30
    assert balance(platform, f"campaign:event-{event}") == 70
    with pytest.raises(Conflict) as withdrawn:
        write(platform, lambda conn: events.withdraw(conn, event, citizen, after))
    assert withdrawn.value.code == "already_attended"
    with db.read(platform.engine) as conn:
        [mine] = events.signups_of(conn, citizen)
    assert (mine.attended_at, mine.points_due, mine.points_paid) == (after, 30, 30)
    reconciled(platform)


def test_attendance_refusals(platform: Platform) -> None:
    event, code = _create(platform)
    citizen, stranger = factories.add_citizen(platform), factories.add_citizen(platform)
    _sign_up(platform, event, citizen)
    during = STARTS + timedelta(hours=1)
    with pytest.raises(Forbidden) as wrong:
        _attend(platform, event, citizen, "WRONGCDE", during)
    assert wrong.value.code == "wrong_attendance_code"
    with pytest.raises(NotFound) as not_signed:
        _attend(platform, event, stranger, code, during)
    assert not_signed.value.code == "not_signed_up"
    for too_soon_or_late in (STARTS - timedelta(minutes=1), CLEANUP.ends_at + timedelta(days=7)):
        with pytest.raises(Conflict) as closed:
            _attend(platform, event, citizen, code, too_soon_or_late)
        assert closed.value.code == "attendance_closed"
    assert balance(platform, f"citizen:{citizen}") == 0


def test_a_short_event_budget_pays_what_it_holds(platform: Platform) -> None:
    event, code = _create(platform, replace(CLEANUP, budget=40))
    first, second = factories.add_citizen(platform), factories.add_citizen(platform)
    _sign_up(platform, event, first)
    _sign_up(platform, event, second)
    after = CLEANUP.ends_at
    assert _attend(platform, event, first, code, after).paid == 30
    short = _attend(platform, event, second, code, after)
    assert (short.due, short.paid, short.short) == (30, 10, True)
    assert balance(platform, f"campaign:event-{event}") == 0
    reconciled(platform)
