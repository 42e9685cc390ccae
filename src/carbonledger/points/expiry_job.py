"""The expiry job (积分过期): moves the points that are due (points/expiry.py has the rule) from
each citizen to the `expired` account, in the caller's transaction.

The server's ticker runs it once per local day (`run_daily`; the `expiry_runs` row of the day
makes the other workers and later rounds skip it) and `carbonledger points expire` runs it on
demand. A second run finds nothing due, since the first run's transfers consumed the expired
years; each citizen's account row is locked while their figures are read and their expiry is
posted, so two runs at once cannot both expire the same points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from carbonledger.ids import ulid
from carbonledger.points import ledger
from carbonledger.points import repository as repo
from carbonledger.points.expiry import YEARS_KEPT, ExpiryError, due_by_year, expiry_transfers
from carbonledger.points.postings import Transfer, citizen_account

CHUNK = 500  # citizens read and posted together: batch-sized IN lists
YEARS_SHOWN = 10  # earning years told apart; older points count in the oldest (long expired)
_PREFIX = citizen_account("")


@dataclass(frozen=True, slots=True)
class ExpiryRun:
    """What one run expired: `points` from `citizens` citizens, on local day `day`."""

    day: date
    citizens: int
    points: int


def earning_years(today: date) -> range:
    """The earning years told apart in a citizen's figures as of `today`."""
    return range(today.year - YEARS_SHOWN + 1, today.year + 1)


def expire_due(conn: Connection, today: date, zone: ZoneInfo, now: datetime) -> ExpiryRun:
    """Expire every citizen's points that are due on local day `today`."""
    # Only points earned before this instant can be due, and only accounts opened before it
    # can hold them.
    cutoff = datetime(today.year - YEARS_KEPT, 1, 1, tzinfo=zone)
    accounts = repo.accounts_holding_since(conn, _PREFIX, cutoff)
    citizens = points = 0
    run_id = ulid(now)
    for start in range(0, len(accounts), CHUNK):
        chunk = accounts[start : start + CHUNK]
        repo.lock_accounts(conn, chunk)
        earned, outflows = repo.flows(conn, chunk, zone, earning_years(today))
        transfers: list[Transfer] = []
        for account in chunk:
            try:
                due = due_by_year(earned[account], outflows[account], today)
            except ExpiryError as error:
                raise ExpiryError(f"{account}: {error}") from None
            posted = expiry_transfers(account.removeprefix(_PREFIX), due, today, run_id)
            citizens += bool(posted)
            points += sum(t.amount for t in posted)
            transfers += posted
        ledger.post(conn, transfers, now)
    return ExpiryRun(today, citizens, points)


def run(conn: Connection, today: date, zone: ZoneInfo, now: datetime) -> ExpiryRun:
    """Expire what is due on `today` and add the figures to the day's run."""
    done = expire_due(conn, today, zone, now)
    repo.add_to_expiry_run(conn, done.day, done.citizens, done.points, now)
    return done


def run_daily(conn: Connection, zone: ZoneInfo, now: datetime) -> ExpiryRun | None:
    """The ticker's call: run the expiry of the local day of `now` unless it ran already."""
    today = now.astimezone(zone).date()
    if not repo.claim_expiry_day(conn, today, now):
        return None
    return run(conn, today, zone, now)
