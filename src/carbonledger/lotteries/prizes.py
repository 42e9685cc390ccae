"""Prizes as vouchers: at the draw each winning entry's citizen gets a voucher for the prize,
which the prize's merchant confirms like a redeemed reward's voucher (the portal's 核销 page).
A prize costs the citizen nothing, so no points move. Its code is kept like a reward voucher's:
keyed hash and ciphertext (`rewards.vouchers`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.errors import Conflict, NotFound
from carbonledger.keys import Keys
from carbonledger.lotteries.tables import (
    lotteries,
    lottery_entries,
    lottery_prizes,
    lottery_winners,
    prize_vouchers,
)
from carbonledger.rewards import vouchers
from carbonledger.rewards.rules import voucher_code


def issue(conn: Connection, keys: Keys, lottery_id: str, now: datetime) -> int:
    """A voucher for every winner of the drawn lottery; return how many were issued."""
    won = conn.execute(
        select(
            lottery_winners.c.slot,
            lottery_winners.c.prize_id,
            lottery_entries.c.citizen_id,
            lottery_prizes.c.merchant_id,
            lottery_prizes.c.name,
        )
        .join(
            lottery_entries,
            (lottery_entries.c.lottery_id == lottery_winners.c.lottery_id)
            & (lottery_entries.c.entry_id == lottery_winners.c.entry_id),
        )
        .join(
            lottery_prizes,
            (lottery_prizes.c.lottery_id == lottery_winners.c.lottery_id)
            & (lottery_prizes.c.prize_id == lottery_winners.c.prize_id),
        )
        .where(lottery_winners.c.lottery_id == lottery_id)
    ).all()
    rows = [
        {
            "lottery_id": lottery_id,
            "slot": w.slot,
            "citizen_id": w.citizen_id,
            "merchant_id": w.merchant_id,
            "prize_id": w.prize_id,
            "name": w.name,
            **vouchers.kept(keys, voucher_code()),
            "state": "issued",
            "issued_at": now,
        }
        for w in won
    ]
    if rows:
        conn.execute(prize_vouchers.insert(), rows)
    return len(rows)


def of_citizen(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    """The citizen's prize vouchers with their lottery's names, newest first."""
    return list(
        conn.execute(
            select(prize_vouchers, lotteries.c.name_zh, lotteries.c.name_en)
            .join(lotteries, lotteries.c.id == prize_vouchers.c.lottery_id)
            .where(prize_vouchers.c.citizen_id == citizen_id)
            .order_by(prize_vouchers.c.issued_at.desc(), prize_vouchers.c.slot)
        )
    )


def find(conn: Connection, keys: Keys, merchant_id: str, code: str) -> Row[Any] | None:
    """A prize voucher of this merchant's prizes, by its code's keyed hash; None when there is
    none."""
    found: Row[Any] | None = conn.execute(
        select(prize_vouchers).where(
            prize_vouchers.c.voucher_hash == vouchers.voucher_hash(keys, code),
            prize_vouchers.c.merchant_id == merchant_id,
        )
    ).first()
    return found


def confirm(conn: Connection, keys: Keys, merchant_id: str, code: str, now: datetime) -> Row[Any]:
    """The merchant hands over the prize: the voucher is used up."""
    found = find(conn, keys, merchant_id, code)
    if found is None:
        raise NotFound(f"no voucher {code!r} was issued for this merchant", code="unknown_voucher")
    done = conn.execute(
        update(prize_vouchers)
        .where(
            prize_vouchers.c.lottery_id == found.lottery_id,
            prize_vouchers.c.slot == found.slot,
            prize_vouchers.c.state == "issued",
        )
        .values(state="confirmed", confirmed_at=now)
    ).rowcount
    if not done:
        raise Conflict("this voucher was confirmed already", code="already_confirmed")
    confirmed = find(conn, keys, merchant_id, code)
    assert confirmed is not None
    return confirmed
