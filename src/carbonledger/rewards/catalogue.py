"""The rewards catalogue (积分商城): merchants list, change and withdraw their rewards; the operator
suspends and restores them; citizens browse what can be redeemed now. Services take the entry
point's connection and never commit."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Row

from carbonledger.errors import InvalidInput, NotFound
from carbonledger.ids import ulid
from carbonledger.points import ledger
from carbonledger.points.postings import RESERVED
from carbonledger.rewards import repository as repo
from carbonledger.rewards.rules import (
    RewardStatus,
    Terms,
    check_changeable,
    check_terms,
    merchant_account,
    next_status,
)

# The terms a merchant may change after listing; kind and names identify what is sold.
CHANGEABLE = ("price", "stock", "per_citizen_limit", "valid_from", "valid_until")


def terms_of(row: Any) -> Terms:
    return Terms(**{field.name: getattr(row, field.name) for field in dataclasses.fields(Terms)})


def create(
    conn: Connection,
    merchant_id: str,
    terms: Terms,
    now: datetime,
    status: RewardStatus = RewardStatus.ACTIVE,
) -> Row[Any]:
    """List a new reward (a merchant's waits for the operator's approval: `pending`); opens the
    merchant's point account and `reserved`, which its redemptions post to."""
    check_terms(terms)
    ledger.open_accounts(
        conn, [(merchant_account(merchant_id), "merchant"), (RESERVED, "reserved")], now
    )
    reward_id = ulid(now)
    repo.insert_reward(
        conn,
        {
            "id": reward_id,
            "partner_id": merchant_id,
            **dataclasses.asdict(terms),
            "status": status,
            "created_at": now,
            "updated_at": now,
        },
    )
    row = repo.reward(conn, reward_id)
    assert row is not None
    return row


def _locked(conn: Connection, reward_id: str, merchant_id: str | None = None) -> Row[Any]:
    """The reward, locked for a change; a merchant finds only its own."""
    row = repo.reward(conn, reward_id, lock=True)
    if row is None or (merchant_id is not None and row.partner_id != merchant_id):
        owner = "this merchant has" if merchant_id else "there is"
        raise NotFound(f"{owner} no reward {reward_id!r}", code="unknown_reward")
    return row


def change(
    conn: Connection, merchant_id: str, reward_id: str, changes: dict[str, Any], now: datetime
) -> Row[Any]:
    """Change some of a reward's terms. `stock` is the number of items left from now on.
    Vouchers already issued keep the price they were redeemed at."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ValueError(f"not changeable: {', '.join(unknown)}")
    cleared = sorted(k for k, v in changes.items() if v is None and k != "per_citizen_limit")
    if cleared:
        raise InvalidInput(
            f"{', '.join(cleared)} cannot be null; leave a field out to keep it",
            code="invalid_reward",
        )
    row = _locked(conn, reward_id, merchant_id)
    check_changeable(RewardStatus(row.status))
    check_terms(dataclasses.replace(terms_of(row), **changes))
    if not changes:
        return row
    return repo.update_reward(conn, reward_id, {**changes, "updated_at": now})


def set_status(
    conn: Connection,
    reward_id: str,
    wanted: RewardStatus,
    now: datetime,
    *,
    merchant_id: str | None = None,
) -> Row[Any]:
    """Withdraw (a merchant, its own), suspend or restore (the operator). Asking for the status a
    reward has already changes nothing, so a retried request answers the same."""
    row = _locked(conn, reward_id, merchant_id)
    if not next_status(RewardStatus(row.status), wanted):
        return row
    return repo.update_reward(conn, reward_id, {"status": wanted, "updated_at": now})


def available(conn: Connection, now: datetime, kind: str | None = None) -> list[Row[Any]]:
    return repo.catalogue(conn, now, kind)


def overview(
    conn: Connection, *, merchant_id: str | None = None, status: str | None = None
) -> list[tuple[Row[Any], Counter[str]]]:
    """Rewards with their redemptions per state, for the merchant's and the operator's lists."""
    rows = repo.listed(conn, partner_id=merchant_id, status=status)
    counts = repo.redemption_counts(conn, [row.id for row in rows])
    return [(row, counts[row.id]) for row in rows]
