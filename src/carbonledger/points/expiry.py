"""Points expiry (积分过期): points earned in calendar year Y can be used until 31 December of
Y + 1 and expire when Y + 2 begins, all in the city's local time. Pure.

A citizen's points are used first-in, first-out: every outflow (spent, donated, clawed back,
expired) consumes the oldest points left. So what is left of each earning year follows from two
figures the ledger already has: the points earned per local calendar year (inflows) and the total
of all outflows so far.

What counts as earned: every inflow to a citizen's account is earned in the local year it was
posted — credit awards and campaign bonuses, engagement points (check-in, quiz, volunteering) and
any inflow added later — except a refund. A refund is points coming back from the `reserved`
account (a redemption voided or cancelled before the merchant confirmed it): it undoes the
outflow that reserved them, so it is subtracted from the outflows instead of counting as new
points. Refunded points thus keep their first earning year, and cancelling a redemption can never
extend the life of points.

The scheduled job computes `due` and posts it as expiry transfers (`expiry_transfers`) to the
`expired` account; they are outflows themselves. Running it again therefore finds nothing due: the
expired years are the oldest, and the expiry transfers consumed exactly them. The transfers' keys
(one per citizen, earning year and run day) make a concurrent second run on the same day fail on
the database's unique key rather than pay twice; a refund that lands after a year expired makes
those points due again, and a later day's run expires them under a key of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import NamedTuple

from carbonledger.points.postings import EXPIRED, RESERVED, Transfer, citizen_account

YEARS_KEPT = 1  # the points of year Y last through the whole of year Y + YEARS_KEPT
REFUND_SOURCES = (RESERVED,)  # inflows from these accounts undo an outflow (see above)


class ExpiryError(ValueError):
    """A citizen's figures cannot be right; the message says which, so the ledger is checked."""


class Expiring(NamedTuple):
    """What a citizen sees: `points` earned in `earned_year` expire after `last_day`."""

    earned_year: int
    points: int
    last_day: date


def last_day(earned_year: int) -> date:
    """The last local day on which points earned in `earned_year` can be used."""
    return date(earned_year + YEARS_KEPT, 12, 31)


def deadline(earned_year: int) -> date:
    """The local day from which points earned in `earned_year` are expired."""
    return date(earned_year + YEARS_KEPT + 1, 1, 1)


def remaining_by_year(inflows_by_year: Mapping[int, int], outflows_total: int) -> dict[int, int]:
    """What is left of each year's points, oldest first, after the outflows took the oldest."""
    negative = sorted(year for year, points in inflows_by_year.items() if points < 0)
    if negative:
        raise ExpiryError(f"points earned cannot be negative (years {negative})")
    if outflows_total < 0:
        raise ExpiryError(f"outflows cannot be negative ({outflows_total})")
    earned = sum(inflows_by_year.values())
    if outflows_total > earned:
        raise ExpiryError(
            f"outflows ({outflows_total}) exceed the points earned ({earned}): "
            "the account is out of balance; reconcile the ledger"
        )
    left = outflows_total
    remaining = {}
    for year in sorted(inflows_by_year):
        used = min(inflows_by_year[year], left)
        left -= used
        remaining[year] = inflows_by_year[year] - used
    return remaining


def expiring(
    inflows_by_year: Mapping[int, int], outflows_total: int, as_of_year: int
) -> dict[int, int]:
    """Points left per earning year up to `as_of_year`, oldest first, years with none left out."""
    return {
        year: points
        for year, points in remaining_by_year(inflows_by_year, outflows_total).items()
        if year <= as_of_year and points > 0
    }


def due_by_year(
    inflows_by_year: Mapping[int, int], outflows_total: int, today: date
) -> dict[int, int]:
    """Points to expire now, per earning year: every year whose deadline is `today` or earlier."""
    return {
        year: points
        for year, points in expiring(inflows_by_year, outflows_total, today.year).items()
        if deadline(year) <= today
    }


def due(inflows_by_year: Mapping[int, int], outflows_total: int, today: date) -> int:
    """The points to expire now; 0 once the expiry transfers are posted."""
    return sum(due_by_year(inflows_by_year, outflows_total, today).values())


def schedule(
    inflows_by_year: Mapping[int, int], outflows_total: int, today: date
) -> list[Expiring]:
    """What expires when, oldest first, for the citizen's page ("N points expire on 2027-12-31").

    The entries add up to the citizen's balance. An entry whose `last_day` is before `today` is
    due and waiting for the expiry job.
    """
    return [
        Expiring(year, points, last_day(year))
        for year, points in expiring(inflows_by_year, outflows_total, today.year).items()
    ]


def expiry_transfers(
    citizen_id: str, due_points: Mapping[int, int], today: date, run_id: str
) -> list[Transfer]:
    """The expiry job's postings for one citizen on local day `today`: one per earning year, to
    the `expired` account (the points leave circulation), keyed by citizen, year, day and run.

    The run id keeps keys unique when points refunded after their year expired (a voided
    redemption) expire in a second run on the same day; what is due is always recomputed from
    the account's flows under its row lock, so a repeated run cannot expire anything twice."""
    return [
        Transfer(
            idempotency_key=f"expiry:{citizen_id}:{year}:{today.isoformat()}:{run_id}",
            kind="expiry",
            debit=citizen_account(citizen_id),
            credit=EXPIRED,
            amount=points,
            ref=str(year),
        )
        for year, points in sorted(due_points.items())
        if points > 0
    ]
