"""Engagement settings, budgets and the daily check-in (签到). Services never commit; the entry
point owns the transaction.

Every engagement payment goes through `pay`: it locks the budget account, pays what is due or
what the budget holds if less (`payable`), and posts the transfer keyed per earning, so that a
retried request cannot pay twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from carbonledger.engagement import repository as repo
from carbonledger.engagement.rules import (
    ATTENDANCE_DAYS,
    CHECKIN_BUDGET,
    QUIZ_BUDGET,
    EngagementRules,
    Payment,
    changed_rules,
    event_budget,
    event_of_budget,
    stored_rules,
)
from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.points import ledger
from carbonledger.points.campaigns import campaign_account
from carbonledger.points.engagement import (
    CheckInError,
    Engagement,
    check_in_points,
    engagement_transfer,
    payable,
)
from carbonledger.points.postings import ISSUANCE, Transfer

_MAX_KEY = 64


def local_day(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


# Settings


def rules(conn: Connection) -> EngagementRules:
    return stored_rules(repo.settings(conn))


def set_rules(
    conn: Connection, changes: dict[str, object], operator_id: str | None, now: datetime
) -> EngagementRules:
    """Change some of the settings; every problem with the changes is reported at once."""
    try:
        new = changed_rules(rules(conn), changes)
    except ValueError as error:
        raise InvalidInput(str(error), code="invalid_rules") from None
    repo.save_settings(conn, {n: new.as_dict()[n] for n in changes}, now, operator_id)
    return new


# Budgets


def _check_budget(conn: Connection, budget: str) -> None:
    event_id = event_of_budget(budget)
    if budget in (CHECKIN_BUDGET, QUIZ_BUDGET) or (
        event_id is not None and repo.event(conn, event_id) is not None
    ):
        return
    raise NotFound(
        f"no engagement budget is called {budget!r}; budgets are {CHECKIN_BUDGET!r}, "
        f"{QUIZ_BUDGET!r} and 'event-<event id>'",
        code="unknown_budget",
    )


def fund_budget(conn: Connection, budget: str, points: int, key: str, now: datetime) -> bool:
    """Fund or top up a budget from the city's issuance account. `key` is the operator's own
    name for this top-up: repeating it repeats nothing. True when the points were moved."""
    _check_budget(conn, budget)
    if points <= 0 or not 1 <= len(key) <= _MAX_KEY:
        raise InvalidInput(
            f"points must be 1 or more (not {points}) and key 1 to {_MAX_KEY} characters",
            code="invalid_funding",
        )
    account = campaign_account(budget)
    ledger.open_accounts(conn, [(account, "campaign")], now)
    funding = Transfer(
        idempotency_key=f"campaign_budget:{budget}:{key}",
        kind="campaign_budget",
        debit=ISSUANCE,
        credit=account,
        amount=points,
        ref=budget,
    )
    return ledger.post(conn, [funding], now)


def budget_balances(conn: Connection, now: datetime) -> dict[str, int]:
    """The balances of the budgets that may still pay: check-in, quiz, and each event whose
    attendance codes are still taken (0 before a budget's first funding)."""
    since = now - timedelta(days=ATTENDANCE_DAYS)
    names = [CHECKIN_BUDGET, QUIZ_BUDGET] + [
        event_budget(row.id) for row in repo.events_ending_after(conn, since)
    ]
    held = repo.balances(conn, [campaign_account(n) for n in names])
    return {name: held.get(campaign_account(name), 0) for name in names}


def pay(
    conn: Connection,
    kind: Engagement,
    *,
    citizen_id: str,
    budget: str,
    points: int,
    ref: str,
    now: datetime,
) -> Payment:
    """Pay `points` (or what the budget holds, if less) from `budget` to the citizen."""
    # The lock keeps what was read true until this transaction has paid from it.
    held = repo.locked_balance(conn, campaign_account(budget)) or 0
    paid = payable(points, held)
    transfer = engagement_transfer(
        kind, citizen_id=citizen_id, campaign_id=budget, points=paid, ref=ref
    )
    if transfer is not None:
        ledger.post(conn, [transfer], now)
    return Payment(budget, points, paid)


# Check-in


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A check-in done: the local day, the streak it makes and what was paid."""

    day: date
    streak: int
    payment: Payment


@dataclass(frozen=True, slots=True)
class CheckInStatus:
    """Where a citizen stands today: the live streak, whether today is done and what a
    check-in today earns (before the budget's limit)."""

    day: date
    streak: int
    done_today: bool
    points_today: int


def check_in(conn: Connection, citizen_id: str, zone: ZoneInfo, now: datetime) -> CheckIn:
    """Check the citizen in for the local day; a second check-in the same day is refused."""
    today = local_day(now, zone)
    current = rules(conn)
    last = repo.last_check_in(conn, citizen_id)
    try:
        points, streak = check_in_points(
            last.day if last else None,
            last.streak if last else 0,
            today,
            base=current.checkin_base,
            streak_bonus=current.streak_bonus,
        )
    except CheckInError as error:
        raise Conflict(str(error), code="already_checked_in") from None
    row = {
        "citizen_id": citizen_id,
        "day": today,
        "streak": streak,
        "points_due": points,
        "points_paid": 0,
        "checked_in_at": now,
    }
    # Two check-ins racing on the same day: the primary key lets one in.
    if not repo.insert_check_in(conn, row):
        raise Conflict(
            f"already checked in today ({today.isoformat()}); the next check-in opens tomorrow",
            code="already_checked_in",
        )
    payment = pay(
        conn,
        "checkin",
        citizen_id=citizen_id,
        budget=CHECKIN_BUDGET,
        points=points,
        ref=today.isoformat(),
        now=now,
    )
    repo.set_check_in_paid(conn, citizen_id, today, payment.paid)
    return CheckIn(today, streak, payment)


def check_in_status(
    conn: Connection, citizen_id: str, zone: ZoneInfo, now: datetime
) -> CheckInStatus:
    today = local_day(now, zone)
    current = rules(conn)
    last = repo.last_check_in(conn, citizen_id)
    if last is not None and last.day == today:
        return CheckInStatus(today, last.streak, True, int(last.points_due))
    alive = last is not None and last.day == today - timedelta(days=1)
    streak = last.streak if last is not None and alive else 0
    points, _ = check_in_points(
        last.day if alive and last else None,
        streak,
        today,
        base=current.checkin_base,
        streak_bonus=current.streak_bonus,
    )
    return CheckInStatus(today, streak, False, points)
