"""The registry (登记簿): accounts, transfers of serial ranges with a price, retirement.

Units move only by moves between accounts (double entry: each move debits one account and
credits another with the same units), and each move carries the serial ranges it moved, so the
holdings (who holds which serials) and the moves always tell the same story. A retired range
is held by the `retired` account, which nothing ever debits: retired units never move again.
Each retirement is a log leaf (leaf.py), appended by the sequencer in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from carbonledger.donations.rules import project_account
from carbonledger.donations.service import project
from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.ids import ulid
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market.leaf import RetirementLeaf
from carbonledger.market.lots import get_lot, record_move
from carbonledger.market.units import Span, lot_code, serial, take, total
from carbonledger.points import ledger
from carbonledger.points.postings import ISSUANCE, Transfer
from carbonledger.points.service import top_up
from carbonledger.translog import sequencer

BUYER_KINDS = ("enterprise", "organiser", "citizen")
FEN_PER_POINT = 1  # market revenue buys points for a budget at one fen a point
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,40}$")
_MAX_TEXT = 300


@dataclass(frozen=True, slots=True)
class Moved:
    """What a transfer or retirement moved: the serial ranges and their units."""

    id: str
    lot: int
    serials: tuple[str, ...]
    units: int
    leaf_index: int | None = None


def open_account(conn: Connection, account_id: str, kind: str, name: str, now: datetime) -> str:
    """Open a buyer's account: `<kind>:<id>`."""
    problems = []
    if kind not in BUYER_KINDS:
        problems.append(f"an account's kind is one of {', '.join(BUYER_KINDS)}")
    if not _ID.match(account_id):
        problems.append("an account id is 2-41 lower-case letters, digits, '.', '_' or '-'")
    if not name.strip() or len(name) > 200:
        problems.append("an account needs a name of at most 200 characters")
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_account")
    full = f"{kind}:{account_id}"
    registry_repo.ensure_system_accounts(conn, now)
    if registry_repo.account(conn, full) is not None:
        raise Conflict(f"the account {full} exists already", code="account_exists")
    registry_repo.insert_account(
        conn, {"id": full, "kind": kind, "name": name.strip(), "created_at": now}
    )
    return full


def _holder(conn: Connection, account_id: str, role: str) -> None:
    row = registry_repo.lock_account(conn, account_id)
    if row is None:
        raise NotFound(f"there is no registry account {account_id}", code="unknown_account")
    if row.kind not in (*BUYER_KINDS, "pool"):
        raise Conflict(
            f"{account_id} is the registry's own {row.kind} account and cannot {role}",
            code="system_account",
        )


def _take(
    conn: Connection, number: int, account_id: str, units: int
) -> tuple[list[Span], list[Span]]:
    if units <= 0:
        raise InvalidInput("move at least one unit", code="invalid_units")
    held = registry_repo.holdings(conn, number, account_id, lock=True)
    if total(held) < units:
        raise Conflict(
            f"{account_id} holds {total(held)} unit(s) of lot {number}, not {units}",
            code="insufficient_units",
        )
    return take(held, units)


def _fund(conn: Connection, funds: str, price_fen: int, move_id: str, now: datetime) -> None:
    """Turn a sale's revenue into points for a campaign budget or a donation project."""
    points = price_fen // FEN_PER_POINT
    if points <= 0:
        return
    kind, _, target = funds.partition(":")
    if kind == "campaign":
        top_up(conn, target, points, f"market:{move_id}", "market", now)
    else:
        project(conn, target)  # an unknown project is refused by name
        ledger.post(
            conn,
            [
                Transfer(
                    idempotency_key=f"market_revenue:{move_id}",
                    kind="market_revenue",
                    debit=ISSUANCE,
                    credit=project_account(target),
                    amount=points,
                    ref=move_id,
                    memo="carbon market sale",
                )
            ],
            now,
        )


def transfer(
    conn: Connection,
    number: int,
    units: int,
    *,
    seller: str,
    buyer: str,
    price_fen: int,
    funds: str | None,
    now: datetime,
) -> Moved:
    """Move the seller's lowest `units` serials of lot `number` to the buyer, at `price_fen`."""
    problems = []
    if price_fen < 0:
        problems.append("the price is a whole number of fen, at least 0")
    if seller == buyer:
        problems.append("the buyer and the seller must differ")
    if funds and funds.partition(":")[0] not in ("campaign", "project"):
        problems.append("revenue funds `campaign:<id>` or `project:<id>`")
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_transfer")
    lot = get_lot(conn, number)
    if lot.status != "issued":
        raise Conflict(f"lot {number} is not issued yet", code="not_issued")
    # Lock the two accounts in a fixed order, so two transfers never wait on each other.
    for account_id, role in sorted(((seller, "sell"), (buyer, "buy"))):
        _holder(conn, account_id, role)
    taken, left = _take(conn, number, seller, units)
    registry_repo.replace_holdings(conn, number, seller, left, taken, buyer)
    move_id = record_move(
        conn, number, "transfer", seller, buyer, taken, now, price_fen=price_fen, funds=funds
    )
    if funds:
        _fund(conn, funds, price_fen, move_id, now)
    return Moved(
        move_id, number, tuple(serial(lot.city, lot.year, number, s) for s in taken), units
    )


def retire(
    conn: Connection,
    number: int,
    units: int,
    *,
    holder: str,
    purpose: str,
    beneficiary: str,
    now: datetime,
) -> Moved:
    """Retire the holder's lowest `units` serials of lot `number` for a purpose and a
    beneficiary; a retirement leaf records it in the log."""
    purpose, beneficiary = purpose.strip(), beneficiary.strip()
    problems = []
    if not purpose or len(purpose) > _MAX_TEXT:
        problems.append(f"name the purpose (at most {_MAX_TEXT} characters)")
    if not beneficiary or len(beneficiary) > _MAX_TEXT:
        problems.append(f"name the beneficiary (at most {_MAX_TEXT} characters)")
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_retirement")
    # The log's lock first: every writer that also appends takes it first, so no deadlock.
    head = sequencer.lock(conn)
    lot = get_lot(conn, number)
    if lot.status != "issued":
        raise Conflict(f"lot {number} is not issued yet", code="not_issued")
    _holder(conn, holder, "retire")
    taken, left = _take(conn, number, holder, units)
    retirement_id = ulid(now)
    serials = tuple(serial(lot.city, lot.year, number, s) for s in taken)
    leaf = RetirementLeaf(
        lot=lot_code(lot.city, lot.year, number),
        serials=serials,
        units=units,
        unit_mg=lot.unit_mg,
        purpose=purpose,
        beneficiary=beneficiary,
        time=now,
        retirement=retirement_id,
    )
    sequencer.append(conn, head, [leaf.encode()], now)
    registry_repo.replace_holdings(
        conn, number, holder, left, taken, registry_repo.RETIRED, retirement_id
    )
    record_move(
        conn, number, "retire", holder, registry_repo.RETIRED, taken, now, ref=retirement_id
    )
    registry_repo.insert_retirement(
        conn,
        {
            "id": retirement_id,
            "lot": number,
            "account": holder,
            "units": units,
            "ranges": ",".join(s.text() for s in taken),
            "purpose": purpose,
            "beneficiary": beneficiary,
            "leaf_index": head.size,
            "retired_at": now,
        },
    )
    return Moved(retirement_id, number, serials, units, head.size)
