"""Two buyers racing for the same units on PostgreSQL: one gets them, the other is told the pool
holds too few, and no serial ends up held twice."""

from __future__ import annotations

import threading

import pytest

from carbonledger import clock, db
from carbonledger.errors import CarbonLedgerError
from carbonledger.market import registry
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market import repository as repo
from carbonledger.market.reconcile import unit_problems
from carbonledger.platform import Platform
from tests.integration.market.market_helpers import buyer, credit, form, issued_lot

pytestmark = pytest.mark.postgres


def test_two_buyers_race_for_the_same_units(pg_platform: Platform) -> None:
    number = issued_lot(pg_platform)
    with db.read(pg_platform.engine) as conn:
        pool = sum(s.units for s in registry_repo.holdings(conn, number, registry_repo.POOL))
    wanted = pool // 2 + 1  # both cannot have it
    buyers = [buyer(pg_platform, "first"), buyer(pg_platform, "second")]
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def buy(account: str) -> None:
        start.wait()
        try:
            with db.write(pg_platform.engine) as conn:
                outcomes[account] = registry.transfer(
                    conn,
                    number,
                    wanted,
                    seller=registry_repo.POOL,
                    buyer=account,
                    price_fen=500,
                    funds=None,
                    now=clock.now(),
                )
        except CarbonLedgerError as error:
            outcomes[account] = error

    threads = [threading.Thread(target=buy, args=(account,)) for account in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [a for a, o in outcomes.items() if isinstance(o, registry.Moved)]
    lost = [o for o in outcomes.values() if isinstance(o, CarbonLedgerError)]
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].code == "insufficient_units"
    with db.read(pg_platform.engine) as conn:
        assert sum(s.units for s in registry_repo.holdings(conn, number, won[0])) == wanted
        assert (
            sum(s.units for s in registry_repo.holdings(conn, number, registry_repo.POOL))
            == pool - wanted
        )
        assert unit_problems(conn) == []


def test_two_lots_racing_for_the_same_credits_share_none(pg_platform: Platform) -> None:
    credit(pg_platform, 6)
    start = threading.Barrier(2)
    formed: list[object] = []

    def attempt() -> None:
        start.wait()
        try:
            formed.append(form(pg_platform))
        except CarbonLedgerError as error:
            formed.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = [f for f in formed if isinstance(f, int)]
    assert len(numbers) == 1, formed
    with db.read(pg_platform.engine) as conn:
        assert repo.lot(conn, numbers[0]).credits == 6  # type: ignore[union-attr]
