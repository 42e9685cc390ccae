"""What the public and a citizen see of lotteries, as JSON-ready dicts read in one transaction.

The public record is a superset of `points.lottery.LotteryRecord`'s JSON: once the lottery is
drawn, `LotteryRecord.decode` reads it as it stands (unknown keys are ignored), and the extra keys
say what the lottery is, which merchant gives each prize and where its three leaves are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.accounts import repository as accounts_repo
from carbonledger.errors import NotFound
from carbonledger.lotteries import repository as repo
from carbonledger.points.lottery import RECORD_VERSION
from carbonledger.translog.pseudonyms import lottery_name


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _row(conn: Connection, lottery_id: str) -> Any:
    row = repo.lottery(conn, lottery_id)
    if row is None:
        raise NotFound(f"no lottery has the id {lottery_id!r}", code="unknown_lottery")
    return row


def _prize_names(conn: Connection, lottery_id: str) -> list[dict[str, Any]]:
    return [
        {"id": p.prize_id, "name": p.name, "count": p.quantity, "merchant": p.merchant_id}
        for p in repo.prizes(conn, lottery_id)
    ]


def _summary(row: Any, prizes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "lottery": row.id,
        "name": {"zh": row.name_zh, "en": row.name_en},
        "status": row.status,
        "scenario": row.scenario,
        "daily_entries": row.daily_entries if row.scenario else None,
        "entry_price": row.entry_price,
        "opens_at": _time(row.opens_at),
        "closes_at": _time(row.closes_at),
        "one_per_account": row.one_per_account,
        "prizes": prizes,
    }


def public_record(conn: Connection, lottery_id: str) -> dict[str, Any]:
    """The lottery as anyone may see it: entries by pseudonym, prizes, the digests, the seed once
    revealed, the winners and the indexes of its commit, close and reveal leaves."""
    row = _row(conn, lottery_id)
    return {
        "v": RECORD_VERSION,
        **_summary(row, _prize_names(conn, lottery_id)),
        "commitment": row.commitment,
        "terms_digest": row.terms_digest,
        "entries_digest": row.entries_digest,
        "seed": row.seed.hex() if row.seed is not None else None,
        "entries": [
            {"account": e.account, "entry": e.entry_id} for e in repo.entries(conn, lottery_id)
        ],
        "winners": [
            {"account": w.account, "entry": w.entry_id, "prize": w.prize_id}
            for w in repo.winners(conn, lottery_id)
        ],
        "leaves": {"commit": row.commit_leaf, "close": row.close_leaf, "reveal": row.reveal_leaf},
    }


def visible(conn: Connection, citizen_id: str, now: datetime) -> list[dict[str, Any]]:
    """The lotteries open now and those the citizen holds entries in, with their entry count."""
    return [
        _summary(row, _prize_names(conn, row.id)) | {"my_entries": row.my_entries}
        for row in repo.visible_to(conn, citizen_id, now)
    ]


def mine(conn: Connection, lottery_id: str, citizen_id: str) -> dict[str, Any]:
    """A citizen's entries in one lottery and, once drawn, the prizes they won."""
    row = _row(conn, lottery_id)
    prizes = _prize_names(conn, lottery_id)
    entries = repo.entries(conn, lottery_id, citizen_id)
    held = {e.entry_id for e in entries}
    by_id = {prize["id"]: prize for prize in prizes}
    citizen = accounts_repo.citizen(conn, citizen_id)
    key = citizen.pseudonym_key if citizen is not None else None
    return _summary(row, prizes) | {
        "account": lottery_name(key, lottery_id) if key is not None else None,
        "entries": [
            {"entry": e.entry_id, "source": e.source, "record": e.record_id} for e in entries
        ],
        "won": [
            {
                "entry": w.entry_id,
                "prize": w.prize_id,
                "name": by_id[w.prize_id]["name"],
                "merchant": by_id[w.prize_id]["merchant"],
            }
            for w in repo.winners(conn, lottery_id)
            if w.entry_id in held
        ],
    }
