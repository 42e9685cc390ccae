"""Transfers between point accounts: immutable, integer, double-entry. Pure.

A transfer moves `amount` points from its `debit` account to its `credit` account, so the sum of
all balances is always zero; the city's issuance account goes negative by the points in
circulation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

ISSUANCE = "issuance"
EXPIRED = "expired"  # receives the points that expired; they leave circulation for good
RESERVED = "reserved"  # holds points for redemptions not yet confirmed


def citizen_account(citizen_id: str) -> str:
    return f"citizen:{citizen_id}"


@dataclass(frozen=True, slots=True)
class Transfer:
    """One movement of points, traceable to what caused it (a log leaf, a record, a reference)."""

    idempotency_key: str
    kind: str
    debit: str
    credit: str
    amount: int
    leaf_index: int | None = None
    record_id: str | None = None
    ref: str | None = None
    memo: str | None = None
    # When what the points are for happened (a credit's behaviour), if not when they are
    # posted: the points flow counts them in that hour. Not stored, not part of a retry's match.
    at: datetime | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError(f"a transfer moves a positive number of points, not {self.amount}")
        if self.debit == self.credit:
            raise ValueError("a transfer needs two different accounts")


def account_kind(account: str) -> str:
    """The kind of an account from its id: `citizen:…` → citizen, `issuance` → issuance."""
    return account.split(":", 1)[0]


def flow(transfers: Iterable[Transfer]) -> dict[tuple[str, str], tuple[int, int]]:
    """(debit kind, credit kind) → (transfers, points): what moved between kinds of account."""
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for transfer in transfers:
        pair = (account_kind(transfer.debit), account_kind(transfer.credit))
        count, amount = totals.get(pair, (0, 0))
        totals[pair] = (count + 1, amount + transfer.amount)
    return totals


def same_transfer(stored: Transfer, asked: Transfer) -> bool:
    """Whether a transfer asked for again under a stored idempotency key is the same movement
    (a retry) rather than a different one reusing the key (an error)."""
    return stored == asked


def balance_changes(transfers: Iterable[Transfer]) -> dict[str, int]:
    """The net change of each account's balance; the values always sum to zero."""
    changes: dict[str, int] = defaultdict(int)
    for transfer in transfers:
        changes[transfer.debit] -= transfer.amount
        changes[transfer.credit] += transfer.amount
    return dict(changes)
