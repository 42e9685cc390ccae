"""On PostgreSQL, requests racing each other: an event's capacity holds, a budget pays no more
than it holds, and a check-in, an answer, an attendance or a donation retried at the same moment
is paid once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from carbonledger import clock, db
from carbonledger.donations import service as donations
from carbonledger.donations.rules import ProjectTerms
from carbonledger.engagement import events, quiz, service
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform
from tests import factories
from tests.integration.earning import balance, earn, reconciled, write

pytestmark = pytest.mark.postgres
NOON = datetime(2026, 11, 2, 4, tzinfo=UTC)
RACERS = 8


def _race(platform: Platform, works: list[Callable[[Any], Any]]) -> Counter[str]:
    """Run each work in its own transaction, all at once; count outcomes by error code."""

    def run(work: Callable[[Any], Any]) -> str:
        try:
            write(platform, work)
        except CarbonLedgerError as error:
            return error.code
        return "ok"

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return Counter(pool.map(run, works))


def test_an_events_capacity_holds_under_a_rush(pg_platform: Platform) -> None:
    new = events.NewEvent(
        "tree_planting",
        "植树",
        "Tree planting",
        "奥森",
        NOON + timedelta(days=2),
        NOON + timedelta(days=2, hours=2),
        5,
        10,
        0,
    )
    event, _ = write(
        pg_platform, lambda conn: events.create_event(conn, pg_platform.keys, new, None, NOON)
    )
    citizens = [factories.add_citizen(pg_platform) for _ in range(3 * RACERS // 2)]
    outcomes = _race(
        pg_platform,
        [lambda conn, c=c: events.sign_up(conn, event, c, NOON) for c in citizens],
    )
    assert outcomes == Counter({"ok": 5, "event_full": len(citizens) - 5})
    with db.read(pg_platform.engine) as conn:
        assert [e.taken for e in events.upcoming(conn, NOON)] == [5]


def test_a_budget_pays_no_more_than_it_holds_when_citizens_race(pg_platform: Platform) -> None:
    write(pg_platform, lambda conn: service.fund_budget(conn, "checkin", 12, "k", NOON))
    citizens = [factories.add_citizen(pg_platform) for _ in range(RACERS)]
    zone = pg_platform.settings.zone
    outcomes = _race(
        pg_platform, [lambda conn, c=c: service.check_in(conn, c, zone, NOON) for c in citizens]
    )
    assert outcomes == Counter({"ok": RACERS})
    paid = sum(balance(pg_platform, f"citizen:{c}") for c in citizens)
    assert paid == 12 and balance(pg_platform, "campaign:checkin") == 0
    reconciled(pg_platform)


def test_retries_racing_each_other_are_paid_once(pg_platform: Platform) -> None:
    zone = pg_platform.settings.zone
    citizen = factories.add_citizen(pg_platform)
    earn(pg_platform, citizen, 2)
    for budget in ("checkin", "quiz"):
        write(pg_platform, lambda conn, b=budget: service.fund_budget(conn, b, 100, "k", NOON))
    question = write(
        pg_platform,
        lambda conn: quiz.add_question(
            conn,
            prompt_zh="问",
            prompt_en="Q",
            choices_zh=["是", "否"],
            choices_en=["yes", "no"],
            answer=0,
            now=NOON,
        ),
    )
    new = events.NewEvent(
        "fish_release",
        "放流",
        "Fish release",
        "渔港",
        NOON + timedelta(hours=1),
        NOON + timedelta(hours=3),
        10,
        10,
        100,
    )
    event, code = write(
        pg_platform, lambda conn: events.create_event(conn, pg_platform.keys, new, None, NOON)
    )
    write(pg_platform, lambda conn: events.sign_up(conn, event, citizen, NOON))
    terms = ProjectTerms("river_cleanup", "清河", "River", "米", "metre", 10, 1000)
    project = write(pg_platform, lambda conn: donations.create_project(conn, terms, None, NOON))
    after = NOON + timedelta(hours=3)
    races: dict[str, tuple[Callable[[Any], Any], str]] = {
        "check-in": (
            lambda conn: service.check_in(conn, citizen, zone, NOON),
            "already_checked_in",
        ),
        "answer": (
            lambda conn: quiz.answer(conn, citizen, question, 0, zone, NOON),
            "already_answered",
        ),
        "attendance": (
            lambda conn: events.attend(conn, pg_platform.keys, event, citizen, code, after),
            "already_attended",
        ),
    }
    for name, (work, refusal) in races.items():
        assert _race(pg_platform, [work] * RACERS) == Counter({"ok": 1, refusal: RACERS - 1}), name
    # A donation retried at once: every request answers with the one donation.
    now = clock.now()
    outcomes = _race(
        pg_platform,
        [lambda conn: donations.donate(conn, citizen, project, 3, "tap", now)] * RACERS,
    )
    assert outcomes == Counter({"ok": RACERS})
    assert balance(pg_platform, f"citizen:{citizen}") == 2 * 214 + 5 + 2 + 20 - 30
    assert balance(pg_platform, f"project:{project}") == 30
    reconciled(pg_platform)
