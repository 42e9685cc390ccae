"""Check-in, the operator's engagement settings and budget funding, on SQLite and PostgreSQL:
points come from the `checkin` budget, never from issuance, and a short budget pays what it
holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from carbonledger import db
from carbonledger.engagement import service
from carbonledger.engagement.rules import EngagementRules
from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.platform import Platform
from tests import factories
from tests.integration.earning import balance, reconciled, write

NOON = datetime(2026, 11, 2, 4, tzinfo=UTC)  # 12:00 in Asia/Shanghai
DAY = timedelta(days=1)


def _check_in(platform: Platform, citizen: str, at: datetime) -> service.CheckIn:
    zone = platform.settings.zone
    return write(platform, lambda conn: service.check_in(conn, citizen, zone, at))


def _status(platform: Platform, citizen: str, at: datetime) -> service.CheckInStatus:
    with db.read(platform.engine) as conn:
        return service.check_in_status(conn, citizen, platform.settings.zone, at)


def _fund(platform: Platform, budget: str, points: int, key: str = "k1") -> bool:
    return write(platform, lambda conn: service.fund_budget(conn, budget, points, key, NOON))


def test_check_ins_pay_the_base_and_a_streak_bonus_from_the_budget(platform: Platform) -> None:
    citizen = factories.add_citizen(platform)
    _fund(platform, "checkin", 1000)
    paid = [_check_in(platform, citizen, NOON + n * DAY) for n in (0, 1, 2, 4)]
    assert [(c.streak, c.payment.paid) for c in paid] == [(1, 5), (2, 6), (3, 7), (1, 5)]
    assert not any(c.payment.short for c in paid)
    assert balance(platform, f"citizen:{citizen}") == 23
    assert balance(platform, "campaign:checkin") == 1000 - 23
    assert balance(platform, "issuance") == -1000
    reconciled(platform)


def test_a_second_check_in_the_same_local_day_is_refused(platform: Platform) -> None:
    citizen = factories.add_citizen(platform)
    _fund(platform, "checkin", 100)
    late = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert _check_in(platform, citizen, late).day.isoformat() == "2026-11-02"
    with pytest.raises(Conflict) as refused:
        _check_in(platform, citizen, late + timedelta(minutes=20))
    assert refused.value.code == "already_checked_in"
    # Past local midnight it is the next day, though still the same day in UTC.
    after_midnight = _check_in(platform, citizen, late + timedelta(hours=1))
    assert (after_midnight.day.isoformat(), after_midnight.streak) == ("2026-11-03", 2)
    assert balance(platform, f"citizen:{citizen}") == 5 + 6


def test_a_short_budget_pays_what_it_holds_and_the_streak_still_counts(
    platform: Platform,
) -> None:
    citizen = factories.add_citizen(platform)
    _fund(platform, "checkin", 3)
    first = _check_in(platform, citizen, NOON)
    assert (first.payment.due, first.payment.paid, first.payment.short) == (5, 3, True)
    assert "3 of the 5 points" in (first.payment.notice() or "")
    second = _check_in(platform, citizen, NOON + DAY)
    assert (second.streak, second.payment.due, second.payment.paid) == (2, 6, 0)
    assert balance(platform, f"citizen:{citizen}") == 3
    assert balance(platform, "campaign:checkin") == 0
    reconciled(platform)


def test_an_unfunded_budget_pays_nothing(platform: Platform) -> None:
    citizen = factories.add_citizen(platform)
    done = _check_in(platform, citizen, NOON)
    assert (done.payment.paid, done.payment.short) == (0, True)
    assert balance(platform, f"citizen:{citizen}") == 0
    reconciled(platform)


def test_the_operator_sets_the_check_in_points(platform: Platform) -> None:
    citizen = factories.add_citizen(platform)
    _fund(platform, "checkin", 1000)
    changes: dict[str, object] = {
        "checkin_base": 10,
        "checkin_streak_per_day": 2,
        "checkin_streak_max_bonus": 2,
    }
    new = write(platform, lambda conn: service.set_rules(conn, changes, "op-1", NOON))
    assert new == EngagementRules(
        checkin_base=10, checkin_streak_per_day=2, checkin_streak_max_bonus=2
    )
    paid = [_check_in(platform, citizen, NOON + n * DAY).payment.paid for n in range(3)]
    assert paid == [10, 12, 12]
    with db.read(platform.engine) as conn:
        assert service.rules(conn) == new


def test_bad_settings_are_refused_and_nothing_changes(platform: Platform) -> None:
    changes: dict[str, object] = {"checkin_base": -1, "quiz_daily_limit": 3}
    with pytest.raises(InvalidInput) as refused:
        write(platform, lambda conn: service.set_rules(conn, changes, "op-1", NOON))
    assert refused.value.code == "invalid_rules"
    with db.read(platform.engine) as conn:
        assert service.rules(conn) == EngagementRules()


def test_the_status_shows_the_live_streak_and_what_today_earns(platform: Platform) -> None:
    citizen = factories.add_citizen(platform)
    _fund(platform, "checkin", 100)
    before = _status(platform, citizen, NOON)
    assert (before.streak, before.done_today, before.points_today) == (0, False, 5)
    _check_in(platform, citizen, NOON)
    done = _status(platform, citizen, NOON)
    assert (done.streak, done.done_today, done.points_today) == (1, True, 5)
    tomorrow = _status(platform, citizen, NOON + DAY)
    assert (tomorrow.streak, tomorrow.done_today, tomorrow.points_today) == (1, False, 6)
    broken = _status(platform, citizen, NOON + 2 * DAY)
    assert (broken.streak, broken.points_today) == (0, 5)


def test_funding_is_idempotent_by_the_operators_key(platform: Platform) -> None:
    assert _fund(platform, "quiz", 500, "2026-11")
    assert not _fund(platform, "quiz", 500, "2026-11")
    assert _fund(platform, "quiz", 200, "2026-11-top-up")
    with db.read(platform.engine) as conn:
        assert service.budget_balances(conn, NOON) == {"checkin": 0, "quiz": 700}
    with pytest.raises(Conflict) as reused:
        _fund(platform, "quiz", 300, "2026-11")
    assert reused.value.code == "idempotency_key_reused"
    reconciled(platform)


def test_only_engagement_budgets_can_be_funded(platform: Platform) -> None:
    for budget in ("lottery", "event-01JD0000000000000000000000", "checkin:x"):
        with pytest.raises(NotFound) as refused:
            _fund(platform, budget, 10)
        assert refused.value.code == "unknown_budget"
    with pytest.raises(InvalidInput) as refused_amount:
        _fund(platform, "checkin", 0)
    assert refused_amount.value.code == "invalid_funding"
