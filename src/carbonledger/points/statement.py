"""A citizen's points statement (我的积分): the balance, what expires when (points/expiry.py) and
the latest movements, each naming what caused it (the credit's record and log leaf, the
campaign, the merchant or project, the operator's reason for a clawback)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from carbonledger.points import debts, ledger
from carbonledger.points import repository as repo
from carbonledger.points.expiry import Expiring, schedule
from carbonledger.points.expiry_job import earning_years
from carbonledger.points.postings import citizen_account


@dataclass(frozen=True, slots=True)
class Movement:
    """One transfer in or out of the citizen's account. `counterparty` is the other account
    (`issuance`, `campaign:…`, `merchant:…`, `project:…`, `reserved`, `expired`, …)."""

    kind: str
    points: int
    direction: Literal["in", "out"]
    at: datetime
    counterparty: str
    record: str | None
    leaf_index: int | None
    ref: str | None
    memo: str | None


@dataclass(frozen=True, slots=True)
class Statement:
    balance: int
    expiring: list[Expiring]
    movements: list[Movement]
    owed: int = 0
    """Points still owed after a reversal, taken from the next awards."""


def statement(
    conn: Connection, citizen_id: str, zone: ZoneInfo, now: datetime, limit: int | None
) -> Statement:
    """The citizen's statement as of `now`, with the newest `limit` movements (every one when
    `limit` is None, as the citizen's data download has it)."""
    account = citizen_account(citizen_id)
    today: date = now.astimezone(zone).date()
    earned, outflows = repo.flows(conn, [account], zone, earning_years(today))
    movements = [
        Movement(
            kind=row.kind,
            points=row.amount,
            direction="in" if row.credit == account else "out",
            at=row.created_at,
            counterparty=row.debit if row.credit == account else row.credit,
            record=row.record_id,
            leaf_index=row.leaf_index,
            ref=row.ref,
            memo=row.memo,
        )
        for row in repo.movements(conn, account, limit)
    ]
    return Statement(
        ledger.balance(conn, account),
        schedule(earned[account], outflows[account], today),
        movements,
        debts.owed(conn, citizen_id),
    )
