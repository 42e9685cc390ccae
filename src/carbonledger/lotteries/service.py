"""The steps of a lottery, each in the caller's transaction: create (the commitment goes to the
log at once), buy entries with points, close (earned entries granted, the entry list's digest
to the log) and draw (the seed revealed in the log, the winners stored).

The three steps that write to the log take the sequencer lock first, as crediting does, and then
the lottery's row, so a purchase (which locks the row) is either in the closed entry list or
refused. Points paid for entries are held by the `lottery:<id>` account until the draw, then
retired to the issuance account: they leave circulation, as points spent should, and the prizes
are the merchants' own gift.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.accounts import repository as accounts_repo
from carbonledger.accounts.protection import decrypt, encrypt
from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.ids import ulid
from carbonledger.lotteries import prizes
from carbonledger.lotteries import repository as repo
from carbonledger.lotteries.terms import (
    Credit,
    LotteryTerms,
    earned_entries,
    earned_entry_id,
)
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points import lottery as rule
from carbonledger.points.postings import ISSUANCE, Transfer
from carbonledger.translog import sequencer
from carbonledger.translog.leaves import LotteryLeaf
from carbonledger.translog.pseudonyms import earned_entry_tag, lottery_name

LOTTERY_ACCOUNT_KIND = "lottery"
_MERCHANT_ROLES = ("merchant", "both")


def lottery_account(lottery_id: str) -> str:
    return f"lottery:{lottery_id}"


def _seed_purpose(lottery_id: str) -> str:
    return f"lottery-seed:{lottery_id}"


def _merchant_problems(conn: Connection, terms: LotteryTerms) -> list[str]:
    problems = []
    for merchant in sorted({prize.merchant for prize in terms.prizes}):
        partner = accounts_repo.partner(conn, merchant)
        if partner is None:
            problems.append(f"no partner has the id {merchant!r}")
        elif partner.role not in _MERCHANT_ROLES:
            problems.append(f"partner {merchant!r} is not a merchant and cannot give prizes")
        elif partner.status != "active":
            problems.append(f"partner {merchant!r} is suspended")
    return problems


def create(
    conn: Connection, platform: Platform, terms: LotteryTerms, operator_id: str, now: datetime
) -> str:
    """Create a lottery with a new secret seed; its commitment, terms digest and entry window
    are appended to the log in this transaction. Return the lottery's id."""
    scenarios = {scenario.code for scenario in platform.catalogue.scenarios}
    problems = terms.problems(now, scenarios) + _merchant_problems(conn, terms)
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_lottery")
    head = sequencer.lock(conn)
    lottery_id = ulid(now)
    seed = rule.new_seed()
    prizes = terms.core_prizes()
    # The log states times to the second; so does the lottery, so that the two agree.
    opens_at, closes_at = (t.replace(microsecond=0) for t in (terms.opens_at, terms.closes_at))
    leaf = LotteryLeaf(
        lottery_id,
        "commit",
        now,
        commitment=rule.commitment(seed, lottery_id),
        terms_digest=rule.terms_digest(lottery_id, prizes, terms.one_per_account),
        opens=opens_at,
        closes=closes_at,
    )
    sequencer.append(conn, head, [leaf.encode()], now)
    row = {
        "id": lottery_id,
        "name_zh": terms.name_zh.strip(),
        "name_en": terms.name_en.strip(),
        "scenario": terms.scenario,
        "daily_entries": terms.daily_entries,
        "entry_price": terms.entry_price,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "one_per_account": terms.one_per_account,
        "status": "open",
        "seed_enc": encrypt(platform.keys.data_key, seed.hex(), _seed_purpose(lottery_id)),
        "commitment": leaf.commitment,
        "terms_digest": leaf.terms_digest,
        "commit_leaf": head.size,
        "created_by": operator_id,
        "created_at": now,
    }
    prize_rows = [
        {
            "lottery_id": lottery_id,
            "position": position,
            "prize_id": prize.prize_id,
            "merchant_id": given.merchant,
            "name": prize.name,
            "quantity": prize.count,
        }
        for position, (prize, given) in enumerate(zip(prizes, terms.prizes, strict=True), 1)
    ]
    repo.insert_lottery(conn, row, prize_rows)
    ledger.open_accounts(conn, [(lottery_account(lottery_id), LOTTERY_ACCOUNT_KIND)], now)
    return lottery_id


def locked(conn: Connection, lottery_id: str) -> Any:
    """The lottery's row, locked for the rest of the transaction; NotFound when there is none."""
    row = repo.lottery(conn, lottery_id, lock=True)
    if row is None:
        raise NotFound(f"no lottery has the id {lottery_id!r}", code="unknown_lottery")
    return row


def _earn(conn: Connection, row: Any, now: datetime) -> None:
    """Grant the entries earned by credits of the lottery's scenario inside its window."""
    if row.scenario is None:
        return
    names: dict[bytes, str] = {}
    tags: dict[str, str] = {}
    credits = []
    for found in repo.credited_in_window(conn, row.scenario, row.opens_at, row.closes_at):
        if found.pseudonym_key not in names:
            names[found.pseudonym_key] = lottery_name(found.pseudonym_key, row.id)
        tags[found.id] = earned_entry_tag(found.pseudonym_key, row.id, found.id)
        credits.append(Credit(found.id, found.citizen_id, found.day, names[found.pseudonym_key]))
    repo.insert_entries(
        conn,
        [
            {
                "lottery_id": row.id,
                "entry_id": earned_entry_id(tags[credit.record_id]),
                "citizen_id": credit.citizen_id,
                "account": credit.account,
                "source": "earned",
                "record_id": credit.record_id,
                "created_at": now,
            }
            for credit in earned_entries(credits, row.daily_entries)
        ],
    )


def _entry_list(conn: Connection, lottery_id: str) -> list[rule.Entry]:
    return [rule.Entry(e.entry_id, e.account) for e in repo.entries(conn, lottery_id)]


def close(conn: Connection, lottery_id: str, now: datetime) -> int:
    """Close a lottery's entries once its window has passed: grant the earned entries and append
    the entry list's digest to the log. Return the close leaf's index."""
    head = sequencer.lock(conn)
    row = locked(conn, lottery_id)
    if row.status != "open":
        raise Conflict(f"lottery {lottery_id} is {row.status} already", code="lottery_closed")
    if now < row.closes_at:
        raise Conflict(
            f"entries close at {row.closes_at.isoformat()}; close the lottery after that",
            code="lottery_still_open",
        )
    _earn(conn, row, now)
    entries = _entry_list(conn, lottery_id)
    digest = rule.entries_digest(entries)
    leaf = LotteryLeaf(lottery_id, "close", now, entries_digest=digest, entries=len(entries))
    sequencer.append(conn, head, [leaf.encode()], now)
    repo.set_lottery(
        conn,
        lottery_id,
        status="closed",
        entries_digest=digest,
        close_leaf=head.size,
        closed_at=now,
    )
    return head.size


def core_prizes(conn: Connection, lottery_id: str) -> list[rule.Prize]:
    return [rule.Prize(p.prize_id, p.name, p.quantity) for p in repo.prizes(conn, lottery_id)]


def draw(conn: Connection, platform: Platform, lottery_id: str, now: datetime) -> int:
    """Draw a closed lottery: reveal its seed in the log, store the winners by the published
    rule, issue each winner a voucher for the prize, retire the points paid for entries.
    Return the reveal leaf's index."""
    head = sequencer.lock(conn)
    row = locked(conn, lottery_id)
    if row.status == "open":
        raise Conflict(
            f"lottery {lottery_id} is still open; close its entries before the draw",
            code="lottery_not_closed",
        )
    if row.status == "drawn":
        raise Conflict(f"lottery {lottery_id} was drawn already", code="lottery_drawn")
    entries = _entry_list(conn, lottery_id)
    # Revealing the seed cannot be undone: refuse if the entry list changed since its digest.
    if rule.entries_digest(entries) != row.entries_digest:
        raise Conflict(
            f"the entries of lottery {lottery_id} differ from the list published at close; "
            "nothing was revealed",
            code="entries_changed",
        )
    seed = bytes.fromhex(decrypt(platform.keys.data_key, row.seed_enc, _seed_purpose(lottery_id)))
    winners = rule.draw(
        lottery_id, seed, entries, core_prizes(conn, lottery_id), row.one_per_account
    )
    leaf = LotteryLeaf(lottery_id, "reveal", now, seed=seed.hex())
    sequencer.append(conn, head, [leaf.encode()], now)
    repo.insert_winners(
        conn,
        [
            {
                "lottery_id": lottery_id,
                "slot": slot,
                "prize_id": winner.prize_id,
                "entry_id": winner.entry_id,
                "account": winner.account,
            }
            for slot, winner in enumerate(winners, 1)
        ],
    )
    repo.set_lottery(
        conn, lottery_id, status="drawn", seed=seed, reveal_leaf=head.size, drawn_at=now
    )
    prizes.issue(conn, platform.keys, lottery_id, now)
    _retire(conn, lottery_id, now)
    return head.size


def _retire(conn: Connection, lottery_id: str, now: datetime) -> None:
    held = ledger.balance(conn, lottery_account(lottery_id))
    if held > 0:
        transfer = Transfer(
            idempotency_key=f"lottery-retire:{lottery_id}",
            kind="lottery_retire",
            debit=lottery_account(lottery_id),
            credit=ISSUANCE,
            amount=held,
            ref=lottery_id,
            memo="points paid for entries leave circulation at the draw",
        )
        ledger.post(conn, [transfer], now)
