"""Points expiry on both databases: the points of year Y expire when Y + 2 begins, oldest first,
once; refunds keep their first earning year; the citizen's statement says what expires when."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from carbonledger import db
from carbonledger.platform import Platform
from carbonledger.points import expiry_job, ledger
from carbonledger.points.expiry import Expiring
from carbonledger.points.postings import EXPIRED, RESERVED, Transfer
from carbonledger.points.reconcile import reconcile
from carbonledger.points.statement import statement
from carbonledger.points.tables import expiry_runs, transfers
from tests import factories
from tests.factories import record
from tests.integration.helpers import points_balance, submit

ZONE = ZoneInfo("Asia/Shanghai")
EARNED_2026 = datetime(2026, 9, 22, 12, tzinfo=ZONE)
EARNED_2027 = datetime(2027, 3, 1, 12, tzinfo=ZONE)
RIDE = 214


def earner(platform: Platform) -> str:
    """A citizen who earns two rides in 2026 and one in 2027."""
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "u", citizen)
    for now, rides in ((EARNED_2026, 2), (EARNED_2027, 1)):
        batch = [
            record("cycling", user="u", start=now - timedelta(hours=h + 1)) for h in range(rides)
        ]
        submit(platform, partner.id, batch, now)
    return citizen


def move(platform: Platform, key: str, debit: str, credit: str, amount: int, at: datetime) -> None:
    with db.write(platform.engine) as conn:
        ledger.open_accounts(conn, [(RESERVED, "reserved")], at)
        ledger.post(conn, [Transfer(key, "redeem", debit, credit, amount)], at)


def expire(platform: Platform, today: date) -> expiry_job.ExpiryRun:
    at = datetime(today.year, today.month, today.day, 0, 5, tzinfo=ZONE)
    with db.write(platform.engine) as conn:
        return expiry_job.run(conn, today, ZONE, at)


def expiry_transfers(platform: Platform) -> list[tuple[str, int]]:
    with db.read(platform.engine) as conn:
        rows = conn.execute(select(transfers).where(transfers.c.kind == "expiry"))
        # The key's last part is the run's id; the rest names citizen, earning year and day.
        return sorted((row.idempotency_key.rsplit(":", 1)[0], row.amount) for row in rows)


def test_expiry_runs_twice_on_a_year_boundary_and_expires_once(platform: Platform) -> None:
    citizen = earner(platform)
    account = f"citizen:{citizen}"
    move(platform, "spend", account, RESERVED, 100, EARNED_2027)  # from the oldest points
    assert expire(platform, date(2027, 12, 31)).points == 0  # 2026's points last all of 2027
    first = expire(platform, date(2028, 1, 1))
    second = expire(platform, date(2028, 1, 1))
    assert (first.citizens, first.points) == (1, 2 * RIDE - 100)
    assert (second.citizens, second.points) == (0, 0)
    assert expire(platform, date(2028, 6, 1)).points == 0
    assert expiry_transfers(platform) == [(f"expiry:{citizen}:2026:2028-01-01", 2 * RIDE - 100)]
    balances = points_balance(platform)
    assert balances[account] == RIDE
    assert balances[EXPIRED] == 2 * RIDE - 100
    with db.read(platform.engine) as conn:
        assert reconcile(conn).ok
        runs = {row.day: row.points for row in conn.execute(select(expiry_runs))}
    assert runs[date(2028, 1, 1)] == 2 * RIDE - 100
    assert expire(platform, date(2029, 1, 1)).points == RIDE  # then 2027's


def test_a_refund_keeps_the_year_it_was_first_earned(platform: Platform) -> None:
    citizen = earner(platform)
    account = f"citizen:{citizen}"
    move(platform, "hold", account, RESERVED, 300, EARNED_2027)
    assert expire(platform, date(2028, 1, 1)).points == 2 * RIDE - 300
    # The redemption is voided after 2026's points expired: the 300 are 2026's points again.
    move(platform, "void", RESERVED, account, 300, datetime(2028, 1, 1, 9, tzinfo=ZONE))
    assert expire(platform, date(2028, 1, 2)).points == 300
    assert expiry_transfers(platform) == [
        (f"expiry:{citizen}:2026:2028-01-01", 2 * RIDE - 300),
        (f"expiry:{citizen}:2026:2028-01-02", 300),
    ]
    assert points_balance(platform)[account] == RIDE


def test_the_daily_run_happens_once_a_day(platform: Platform) -> None:
    earner(platform)
    new_year = datetime(2028, 1, 1, 0, 1, tzinfo=ZONE)
    with db.write(platform.engine) as conn:
        done = expiry_job.run_daily(conn, ZONE, new_year)
    with db.write(platform.engine) as conn:
        again = expiry_job.run_daily(conn, ZONE, new_year + timedelta(hours=5))
    assert done is not None and done.points == 2 * RIDE
    assert again is None


def test_the_statement_says_what_expires_when(platform: Platform) -> None:
    citizen = earner(platform)
    account = f"citizen:{citizen}"
    move(platform, "spend", account, RESERVED, 100, EARNED_2027 + timedelta(hours=1))
    with db.read(platform.engine) as conn:
        seen = statement(conn, citizen, ZONE, EARNED_2027 + timedelta(days=1), limit=2)
    assert seen.balance == 3 * RIDE - 100
    assert seen.expiring == [
        Expiring(2026, 2 * RIDE - 100, date(2027, 12, 31)),
        Expiring(2027, RIDE, date(2028, 12, 31)),
    ]
    assert sum(e.points for e in seen.expiring) == seen.balance
    latest, award = seen.movements
    assert (latest.kind, latest.direction, latest.points, latest.counterparty) == (
        "redeem",
        "out",
        100,
        RESERVED,
    )
    assert (award.kind, award.direction, award.points, award.counterparty) == (
        "award",
        "in",
        RIDE,
        "issuance",
    )
    assert award.record is not None and award.leaf_index == 2
