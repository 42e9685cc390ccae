"""On PostgreSQL, redemptions racing each other and the pipeline's awards: the last item goes to
exactly one citizen, a retried key gives one redemption, and a citizen's balance never goes
negative while awards, redemptions, confirmations, cancellations and the timeout job interleave."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar

import pytest

from carbonledger import clock, db
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.rewards import service
from tests import factories
from tests.factories import record
from tests.integration.helpers import points_balance, submit
from tests.integration.rewards.test_redemptions import confirm, redeem, stock

pytestmark = pytest.mark.postgres
T = TypeVar("T")
RACERS = 24


def race(count: int, work: Callable[[int], T]) -> list[T | str]:
    """Run `work(i)` for i < count in as many threads, started together; a refusal's code
    stands in for the result."""
    start = threading.Barrier(count)

    def run(number: int) -> T | str:
        start.wait()
        try:
            return work(number)
        except CarbonLedgerError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def balances(platform: Platform, accounts: list[str]) -> list[int]:
    with db.read(platform.engine) as conn:
        return [ledger.balance(conn, account) for account in accounts]


@pytest.mark.parametrize("items", [1, 5])
def test_citizens_racing_for_the_last_items(pg_platform: Platform, items: int) -> None:
    merchant = factories.add_partner(pg_platform, role="merchant").id
    reward = factories.add_reward(pg_platform, merchant, stock=items, price=300)
    citizens = [factories.add_citizen(pg_platform) for _ in range(RACERS)]
    for citizen in citizens:
        factories.grant_points(pg_platform, citizen, 300)
    outcomes = race(RACERS, lambda i: redeem(pg_platform, citizens[i], reward).redemption.id)
    won = [
        citizen for citizen, got in zip(citizens, outcomes, strict=True) if got != "out_of_stock"
    ]
    assert len(won) == items, Counter(str(o) for o in outcomes)
    assert stock(pg_platform, reward) == 0
    losers = [f"citizen:{c}" for c in citizens if c not in won]
    assert balances(pg_platform, losers) == [300] * (RACERS - items)
    assert balances(pg_platform, [f"citizen:{c}" for c in won]) == [0] * items
    assert balances(pg_platform, ["reserved"]) == [300 * items]
    points_balance(pg_platform)


def test_one_citizen_retrying_one_key_from_many_threads(pg_platform: Platform) -> None:
    _, citizen, reward = factories.shop(pg_platform, 1000, price=10)
    outcomes = race(16, lambda _: redeem(pg_platform, citizen, reward, "one-key").redemption.id)
    assert len(set(outcomes)) == 1
    assert balances(pg_platform, [f"citizen:{citizen}"]) == [990]
    assert stock(pg_platform, reward) == 9


def test_awards_and_redemptions_on_one_citizen_never_go_negative(pg_platform: Platform) -> None:
    data = factories.add_partner(pg_platform)
    merchant = factories.add_partner(pg_platform, role="merchant").id
    citizen = factories.add_citizen(pg_platform)
    factories.link(pg_platform, data.id, "rider", citizen)
    reward = factories.add_reward(pg_platform, merchant, price=300, stock=100_000)
    base = clock.now() - timedelta(days=12)
    trips = [
        record("cycling", user="rider", start=base + timedelta(days=day, hours=hour), quantity=3.0)
        for day in range(10)
        for hour in range(8)
    ]
    batches = [trips[i : i + 4] for i in range(0, len(trips), 4)]
    account = f"citizen:{citizen}"
    seen: list[int] = []
    done = threading.Event()

    def award(batch_number: int) -> int:
        results = submit(pg_platform, data.id, batches[batch_number])
        assert all(r.status.value == "accepted" for r in results), results
        return sum(r.points or 0 for r in results)

    def spend(worker: int) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        for attempt in range(25):
            try:
                held = redeem(pg_platform, citizen, reward, f"w{worker}-{attempt}")
            except CarbonLedgerError as error:
                outcomes[error.code] += 1
                continue
            outcomes["redeemed"] += 1
            # A third each: confirmed, cancelled, left for the timeout job running alongside
            # (which may also void one of the others first: then they are refused).
            try:
                if attempt % 3 == 0:
                    confirm(pg_platform, merchant, held.code)
                elif attempt % 3 == 1:
                    db.retrying(
                        pg_platform.engine,
                        lambda conn, h=held.redemption: service.cancel(
                            conn, citizen, h.id, clock.now()
                        ),
                    )
            except CarbonLedgerError as error:
                outcomes[error.code] += 1
        return outcomes

    def expire(_: int) -> int:
        later = clock.now() + timedelta(minutes=pg_platform.settings.redemption_hold_minutes)
        voided = 0
        while not done.is_set():
            voided += db.retrying(
                pg_platform.engine, lambda conn: service.void_expired(conn, later)
            )
            seen.extend(balances(pg_platform, [account]))
        return voided

    with ThreadPoolExecutor(max_workers=8) as pool:
        job = pool.submit(expire, 0)
        spending = [pool.submit(spend, worker) for worker in range(4)]
        awarded = sum(pool.map(award, range(len(batches))))
        outcomes = sum((s.result() for s in spending), Counter())
        done.set()
        job.result()
    assert outcomes["redeemed"] > 0, outcomes
    assert set(outcomes) <= {"redeemed", "insufficient_points", "already_voided"}, outcomes
    assert seen and min(seen) >= 0
    db.retrying(
        pg_platform.engine,
        lambda conn: service.void_expired(conn, clock.now() + timedelta(days=2)),
    )
    citizen_left, reserved, paid = balances(
        pg_platform, [account, "reserved", f"merchant:{merchant}"]
    )
    assert reserved == 0
    assert citizen_left >= 0 and paid >= 0
    assert citizen_left + paid == awarded
    with db.read(pg_platform.engine) as conn:
        confirmed = [r for r in service.redemptions_of(conn, citizen) if r.state == "confirmed"]
    assert paid == 300 * len(confirmed)
    assert stock(pg_platform, reward) == 100_000 - len(confirmed)
    points_balance(pg_platform)


def test_a_voucher_confirmed_and_cancelled_at_once_moves_once(pg_platform: Platform) -> None:
    merchant, citizen, reward = factories.shop(pg_platform, 100, price=100)
    redeemed = redeem(pg_platform, citizen, reward)
    held = redeemed.redemption

    def either(number: int) -> str:
        if number % 2:
            return str(confirm(pg_platform, merchant, redeemed.code).state)
        cancelled = db.retrying(
            pg_platform.engine,
            lambda conn: service.cancel(conn, citizen, held.id, clock.now()),
        )
        return str(cancelled.state)

    outcomes = Counter(race(16, either))
    moved = {"confirmed", "voided"} & set(outcomes)
    assert len(moved) == 1 and sum(outcomes[s] for s in moved) == 1, outcomes
    assert set(outcomes) - moved <= {"already_confirmed", "already_voided"}
    paid = 100 if moved == {"confirmed"} else 0
    assert balances(pg_platform, [f"citizen:{citizen}", f"merchant:{merchant}", "reserved"]) == [
        100 - paid,
        paid,
        0,
    ]
    assert stock(pg_platform, reward) == (9 if paid else 10)
    points_balance(pg_platform)
