"""Buying lottery entries with points (citizen → `lottery:<id>`), idempotent by the client's key.

The purchase locks the lottery's row, as closing does, so an entry bought while the lottery
closes is either in the published entry list or refused with `lottery_closed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from carbonledger.accounts import repository as accounts_repo
from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.ids import random_code
from carbonledger.lotteries import repository as repo
from carbonledger.lotteries.service import locked, lottery_account
from carbonledger.lotteries.terms import bought_entry_id
from carbonledger.points import ledger
from carbonledger.points.postings import Transfer, citizen_account
from carbonledger.translog.pseudonyms import lottery_name

MAX_ENTRIES_PER_PURCHASE = 100
MAX_KEY_LENGTH = 80


@dataclass(frozen=True, slots=True)
class Purchase:
    """Entries bought with points; `replayed` when the same purchase was asked for again."""

    lottery_id: str
    entries: tuple[str, ...]
    points: int
    replayed: bool = False


def _check_purchase(count: int, key: str) -> None:
    problems = []
    if not 1 <= count <= MAX_ENTRIES_PER_PURCHASE:
        problems.append(f"count must be 1 to {MAX_ENTRIES_PER_PURCHASE}")
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        problems.append(f"key must be 1 to {MAX_KEY_LENGTH} printable characters")
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_purchase")


def buy(
    conn: Connection, lottery_id: str, citizen_id: str, count: int, key: str, now: datetime
) -> Purchase:
    """Buy `count` entries for the citizen, paid from their points to the lottery's account.
    `key` is the client's idempotency key: the same purchase asked again returns the first."""
    _check_purchase(count, key)
    row = locked(conn, lottery_id)
    purchase_key = f"lottery-entry:{citizen_id}:{key}"
    stored = repo.purchased(conn, purchase_key)
    if stored:
        if {e.lottery_id for e in stored} != {lottery_id} or len(stored) != count:
            raise Conflict(
                f"the key {key!r} was used before for another purchase; a retry must repeat "
                "the request exactly, a new purchase needs a new key",
                code="idempotency_key_reused",
            )
        entries = tuple(e.entry_id for e in stored)
        return Purchase(lottery_id, entries, count * (row.entry_price or 0), replayed=True)
    if row.entry_price is None:
        raise Conflict("entries to this lottery are only earned, not sold", code="not_for_sale")
    if now < row.opens_at:
        raise Conflict(
            f"entries open at {row.opens_at.isoformat()}; buy after that", code="lottery_not_open"
        )
    if row.status != "open" or now >= row.closes_at:
        raise Conflict(f"entries closed at {row.closes_at.isoformat()}", code="lottery_closed")
    citizen = accounts_repo.citizen(conn, citizen_id)
    if citizen is None or citizen.pseudonym_key is None:
        raise NotFound(f"no citizen has the id {citizen_id!r}", code="unknown_citizen")
    amount = count * row.entry_price
    transfer = Transfer(
        idempotency_key=purchase_key,
        kind="lottery_entry",
        debit=citizen_account(citizen_id),
        credit=lottery_account(lottery_id),
        amount=amount,
        ref=lottery_id,
        memo=f"{count} lottery entries",
    )
    ledger.post(conn, [transfer], now)
    account = lottery_name(citizen.pseudonym_key, lottery_id)
    entry_ids = tuple(sorted(bought_entry_id(random_code(26)) for _ in range(count)))
    repo.insert_entries(
        conn,
        [
            {
                "lottery_id": lottery_id,
                "entry_id": entry_id,
                "citizen_id": citizen_id,
                "account": account,
                "source": "bought",
                "purchase_key": purchase_key,
                "created_at": now,
            }
            for entry_id in entry_ids
        ],
    )
    return Purchase(lottery_id, entry_ids, amount)
