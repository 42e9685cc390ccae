"""On PostgreSQL, points jobs racing each other: expiry runs of several workers expire each point
once, and closing a campaign while batches pay its bonuses fails no batch and leaves the closed
campaign empty."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from carbonledger import clock, db
from carbonledger.platform import Platform
from carbonledger.points import expiry_job
from carbonledger.points import service as points
from carbonledger.points.campaigns import campaign_account
from carbonledger.points.postings import EXPIRED
from carbonledger.points.reconcile import reconcile
from tests import factories
from tests.factories import record
from tests.integration.helpers import points_balance, submit

pytestmark = pytest.mark.postgres
ZONE = ZoneInfo("Asia/Shanghai")
RUNS = 6


def test_racing_expiry_runs_expire_each_point_once(pg_platform: Platform) -> None:
    partner = factories.add_partner(pg_platform)
    citizens = [factories.add_citizen(pg_platform) for _ in range(20)]
    earned = datetime(2026, 9, 22, 12, tzinfo=ZONE)
    for number, citizen in enumerate(citizens):
        factories.link(pg_platform, partner.id, f"u{number}", citizen)
    submit(
        pg_platform,
        partner.id,
        [record("cycling", user=f"u{n}", start=earned - timedelta(hours=1)) for n in range(20)],
        earned,
    )
    start = threading.Barrier(RUNS)

    def run(offset: int) -> int:
        # Different days as well as the same one, so the keys alone could not stop a double run.
        today = date(2028, 1, 1) + timedelta(days=offset % 3)
        start.wait()
        return db.retrying(
            pg_platform.engine,
            lambda conn: expiry_job.run(conn, today, ZONE, clock.now()).points,
        )

    with ThreadPoolExecutor(RUNS) as pool:
        expired = list(pool.map(run, range(RUNS)))
    assert sum(expired) == 20 * 214
    balances = points_balance(pg_platform)
    assert balances[EXPIRED] == 20 * 214
    assert all(balances[f"citizen:{c}"] == 0 for c in citizens)


def test_closing_a_campaign_while_batches_pay_its_bonuses(pg_platform: Platform) -> None:
    partner = factories.add_partner(pg_platform)
    citizens = [factories.add_citizen(pg_platform) for _ in range(40)]
    for number, citizen in enumerate(citizens):
        factories.link(pg_platform, partner.id, f"u{number}", citizen)
    campaign = factories.add_campaign(pg_platform, budget=5000)
    now = clock.now()
    batches = [
        [record("cycling", user=f"u{n}", start=now - timedelta(hours=1)) for n in range(k, k + 10)]
        for k in range(0, 40, 10)
    ]
    start = threading.Barrier(len(batches) + 1)

    def send(batch: list[dict[str, object]]) -> int:
        start.wait()
        return sum(r.points for r in submit(pg_platform, partner.id, batch))

    def close() -> int:
        start.wait()
        return db.retrying(
            pg_platform.engine,
            lambda conn: (
                points.close_campaign(conn, campaign.id, "operator-1", clock.now()).status
                == "closed"
            ),
        )

    with ThreadPoolExecutor(len(batches) + 1) as pool:
        sent = [pool.submit(send, batch) for batch in batches]
        closed = pool.submit(close)
        paid = sum(future.result() for future in sent)
    assert closed.result()
    balances = points_balance(pg_platform)
    assert balances[campaign_account(campaign.id)] == 0
    bonuses = paid - 40 * 214
    assert 0 <= bonuses <= campaign.budget
    assert sum(balances[f"citizen:{c}"] for c in citizens) == paid
    with db.read(pg_platform.engine) as conn:
        assert reconcile(conn).ok
