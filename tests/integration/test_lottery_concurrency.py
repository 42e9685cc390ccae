"""On PostgreSQL, citizens buying entries while the lottery closes: every purchase is either in
the entry list whose digest the close published, or refused with `lottery_closed`, and the
points paid match the entries held."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

import pytest

from carbonledger import clock, db
from carbonledger.errors import Conflict
from carbonledger.lotteries import purchases, service
from carbonledger.lotteries import repository as repo
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points import lottery as rule
from carbonledger.points.postings import ISSUANCE, Transfer, citizen_account
from tests import factories
from tests.factories import lottery_terms
from tests.integration.helpers import points_balance

pytestmark = pytest.mark.postgres
BUYERS = 8
MAX_TRIES = 500


def test_purchases_racing_the_close_are_in_the_digest_or_refused(pg_platform: Platform) -> None:
    platform = pg_platform
    merchant = factories.add_partner(platform, role="merchant").id
    opens = clock.now() - timedelta(hours=2)
    closes = opens + timedelta(hours=1)
    terms = lottery_terms(merchant, opens, closes, scenario=None)
    buyers = [factories.add_citizen(platform) for _ in range(BUYERS)]
    with db.write(platform.engine) as conn:
        lottery = service.create(conn, platform, terms, "op", opens)
        gifts = [
            Transfer(f"gift:{b}", "award", ISSUANCE, citizen_account(b), 100 * MAX_TRIES)
            for b in buyers
        ]
        ledger.post(conn, gifts, clock.now())

    def keep_buying(citizen: str) -> list[str]:
        """Buy one entry at a time until the lottery refuses: the close happens meanwhile."""
        outcomes: list[str] = []
        while len(outcomes) < MAX_TRIES and "lottery_closed" not in outcomes:
            # Inside the window by the purchase's clock: only the close can refuse it.
            work = partial(
                purchases.buy,
                lottery_id=lottery,
                citizen_id=citizen,
                count=1,
                key=f"k{len(outcomes)}",
                now=closes - timedelta(minutes=1),
            )
            try:
                db.retrying(platform.engine, work)
            except Conflict as error:
                outcomes.append(error.code)
            else:
                outcomes.append("bought")
        return outcomes

    def close() -> None:
        db.retrying(platform.engine, lambda conn: service.close(conn, lottery, clock.now()))

    with ThreadPoolExecutor(max_workers=BUYERS + 1) as pool:
        buying = [pool.submit(keep_buying, citizen) for citizen in buyers]
        pool.submit(close).result()
        outcomes = [job.result() for job in buying]

    # Each buyer bought until the close, then was refused, and never bought again.
    for mine in outcomes:
        assert mine[-1] == "lottery_closed" and set(mine[:-1]) <= {"bought"}
    bought = sum(len(mine) - 1 for mine in outcomes)
    with db.read(platform.engine) as conn:
        row = repo.lottery(conn, lottery)
        entries = [rule.Entry(e.entry_id, e.account) for e in repo.entries(conn, lottery)]
    assert row is not None and len(entries) == bought
    assert rule.entries_digest(entries) == row.entries_digest
    assert points_balance(platform)[f"lottery:{lottery}"] == bought * 100
