"""Redemptions (兑换): redeem a reward for a voucher, confirm it at the merchant, cancel it, void
the ones whose hold ended, and the merchants' settlement statements. Services take the entry
point's connection and never commit; entry points run them through `db.retrying`.

Locks are taken in one order on every path (see `repository.lock_accounts`): the citizen's point
account first, which also makes one citizen's redemptions one after another, so the idempotency
key, the per-citizen limit and the balance are read exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection, Row

from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.ids import ulid
from carbonledger.keys import Keys
from carbonledger.ledgers.service import check_range
from carbonledger.points import ledger
from carbonledger.points.postings import citizen_account
from carbonledger.rewards import repository as repo
from carbonledger.rewards import vouchers
from carbonledger.rewards.rules import (
    VOID_REASONS,
    Event,
    Held,
    Offer,
    RewardStatus,
    State,
    advance,
    check_redeemable,
    hold_until,
    key_problem,
    release,
    reservation,
    settlement,
    totals,
    voucher_code,
)

_VOUCHER_DRAWS = 5  # a 60-bit code repeats practically never; a few draws make it certain
EXPIRY_BATCH = 500  # redemptions voided per run of the job; the next run takes the rest


@dataclass(frozen=True, slots=True)
class Redeemed:
    """A redemption as stored, whether this request repeated an earlier one, and the voucher's
    code for the citizen (the row keeps it only hashed and encrypted)."""

    redemption: Row[Any]
    replayed: bool
    code: str


def _offer(row: Any) -> Offer:
    return Offer(
        id=row.id,
        merchant_id=row.partner_id,
        status=RewardStatus(row.status),
        merchant_active=row.merchant_status == "active",
        price=row.price,
        stock=row.stock,
        per_citizen_limit=row.per_citizen_limit,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


def _held(row: Any) -> Held:
    return Held(row.id, row.reward_id, row.citizen_id, row.partner_id, row.points)


def redeem(
    conn: Connection,
    keys: Keys,
    citizen_id: str,
    reward_id: str,
    idempotency_key: str,
    now: datetime,
    hold_minutes: int,
) -> Redeemed:
    """Take one item, move the price to `reserved` and issue a voucher, all or nothing. The same
    key again returns the first redemption, whatever happened to it since."""
    if problem := key_problem(idempotency_key):
        raise InvalidInput(problem, code="invalid_redemption")
    account = citizen_account(citizen_id)
    balance = repo.lock_accounts(conn, [account]).get(account, 0)
    first = repo.redemption(conn, citizen_id=citizen_id, idempotency_key=idempotency_key)
    if first is not None:
        if first.reward_id != reward_id:
            raise Conflict(
                f"idempotency key {idempotency_key!r} was used for another redemption; "
                "a new redemption needs a new key",
                code="idempotency_key_reused",
            )
        return Redeemed(first, replayed=True, code=vouchers.shown(keys, first))
    found = repo.offer(conn, reward_id)
    if found is None:
        raise NotFound(f"there is no reward {reward_id!r}", code="unknown_reward")
    offer = _offer(found)
    # Only a limited reward needs the count of what this citizen holds or used.
    limited = offer.per_citizen_limit is not None
    held = repo.held_count(conn, reward_id, citizen_id) if limited else 0
    check_redeemable(offer, now, held=held, balance=balance)
    stored, code = _issue(
        conn,
        keys,
        {
            "id": ulid(now),
            "reward_id": reward_id,
            "partner_id": found.partner_id,
            "citizen_id": citizen_id,
            "idempotency_key": idempotency_key,
            "points": found.price,
            "state": State.RESERVED,
            "created_at": now,
            "expires_at": hold_until(now, hold_minutes),
        },
    )
    # The item is taken last before posting, so the reward's row (the one every redemption of a
    # popular reward waits for) stays locked for as short a time as possible.
    if not repo.take_item(conn, reward_id):
        # Another redemption took the last item, or the reward changed, since it was read.
        changed = repo.offer(conn, reward_id)
        check_redeemable(_offer(changed), now, held=held, balance=balance)
        raise Conflict("this reward is out of stock; try again later", code="out_of_stock")
    ledger.post(conn, [reservation(_held(stored))], now)
    return Redeemed(stored, replayed=False, code=code)


def _issue(conn: Connection, keys: Keys, row: dict[str, Any]) -> tuple[Row[Any], str]:
    """Store a redemption under a fresh voucher code; return it and the code."""
    for _ in range(_VOUCHER_DRAWS):
        code = voucher_code()
        if repo.insert_redemption(conn, {**row, **vouchers.kept(keys, code)}):
            stored = repo.redemption(conn, id=row["id"])
            assert stored is not None
            return stored, code
    raise RuntimeError("no free voucher code after several draws")


def _move(
    conn: Connection, found: Sequence[Any], event: Event, now: datetime, **values: Any
) -> int:
    """Apply `event` to redemptions and post what it moves; the state machine refuses an event a
    redemption cannot take. One that another transaction moved since it was read is left out.
    Returns how many moved."""
    state = State.VOIDED
    for row in found:
        state = advance(State(row.state), event, at=now, expires_at=row.expires_at)
    if state is State.VOIDED:
        values.update(void_reason=VOID_REASONS[event], voided_at=now)
    moved = repo.leave_reserved(conn, [row.id for row in found], {"state": state, **values})
    if state is State.CONFIRMED:
        ledger.post(conn, [settlement(_held(row)) for row in moved], now)
    else:
        repo.return_items(conn, [row.reward_id for row in moved])
        ledger.post(conn, [release(_held(row)) for row in moved], now)
    return len(moved)


def _move_one(conn: Connection, row: Any, event: Event, now: datetime, **values: Any) -> Row[Any]:
    if not _move(conn, [row], event, now, **values):
        # Another request moved it first: its state now says why this one is refused.
        again = repo.redemption(conn, id=row.id)
        assert again is not None
        advance(State(again.state), event, at=now, expires_at=again.expires_at)
        raise AssertionError("a redemption left `reserved` without a new state")
    moved = repo.redemption(conn, id=row.id)
    assert moved is not None
    return moved


def confirm(
    conn: Connection, keys: Keys, merchant_id: str, code: str, now: datetime, zone: ZoneInfo
) -> Row[Any]:
    """The merchant accepts a voucher of its own: the reserved points become the merchant's."""
    row = voucher(conn, keys, merchant_id, code)
    day = now.astimezone(zone).date()
    return _move_one(conn, row, Event.CONFIRM, now, confirmed_at=now, confirmed_day=day)


def voucher(conn: Connection, keys: Keys, merchant_id: str, code: str) -> Row[Any]:
    """A voucher of this merchant's, to check before accepting it. Found by the code's keyed
    hash, an index look-up: no stored code is compared with the one typed."""
    hashed = vouchers.voucher_hash(keys, code)
    row = repo.redemption(conn, voucher_hash=hashed, partner_id=merchant_id)
    if row is None:
        raise NotFound(
            f"no voucher {code!r} was issued for this merchant's rewards", code="unknown_voucher"
        )
    return row


def cancel(conn: Connection, citizen_id: str, redemption_id: str, now: datetime) -> Row[Any]:
    """The citizen gives an unused voucher back: points and item return."""
    repo.lock_accounts(conn, [citizen_account(citizen_id)])
    return _move_one(conn, mine(conn, citizen_id, redemption_id), Event.CANCEL, now)


def mine(conn: Connection, citizen_id: str, redemption_id: str) -> Row[Any]:
    row = repo.redemption(conn, id=redemption_id, citizen_id=citizen_id)
    if row is None:
        raise NotFound(f"you have no redemption {redemption_id!r}", code="unknown_redemption")
    return row


def redemptions_of(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    return repo.redemptions_of(conn, citizen_id)


def void_expired(conn: Connection, now: datetime, limit: int = EXPIRY_BATCH) -> int:
    """The timeout job: void redemptions whose hold has ended, returning points and items.
    Running it again, or in two workers at once, voids each redemption once."""
    due = repo.due_for_expiry(conn, now, limit)
    if not due:
        return 0
    repo.lock_accounts(conn, [citizen_account(row.citizen_id) for row in due])
    return _move(conn, due, Event.EXPIRE, now)


@dataclass(frozen=True, slots=True)
class Statement:
    """A merchant's settlement statement (结算单) for local days `first` to `last`."""

    merchant_id: str
    first: date
    last: date
    lines: list[Row[Any]]
    confirmed: int
    points: int


def statement(conn: Connection, merchant_id: str, first: date, last: date) -> Statement:
    check_range(first, last)  # the same periods as the partner's enterprise ledger
    lines = repo.settlement_lines(conn, merchant_id, first, last)
    confirmed, points = totals((line.confirmed, int(line.points)) for line in lines)
    return Statement(merchant_id, first, last, lines, confirmed, points)
