"""Reconciliation (对账) of the points ledger with itself and with the public log:

- all balances sum to zero (double entry), and each balance equals its transfers;
- no citizen or merchant balance is negative;
- every award, bonus and clawback names its log leaf;
- the points in the log's leaves up to the latest checkpoint equal the issuance account's
  movements for credits and reversals up to that leaf;
- a closed campaign holds no points (its leftover went back to issuance).

Besides the checks it gives the figures of the points flow for the government's books: what
each kind of account holds (citizens, campaign budgets, merchants, donation projects, expired,
reserved for redemptions, lotteries) and the points moved by each kind of transfer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from carbonledger.market.reconcile import unit_problems
from carbonledger.points import campaign_repository as campaign_repo
from carbonledger.points import debts
from carbonledger.points import repository as repo
from carbonledger.points.campaigns import campaign_account
from carbonledger.points.postings import account_kind
from carbonledger.translog import repository as log_repo
from carbonledger.translog import tiles
from carbonledger.translog.leaves import Leaf, decode_leaf

LOG_KINDS = ("award", "bonus", "clawback", "bonus_clawback")
# How the figures name each kind of account (`postings.account_kind`).
HOLDERS = {
    "citizen": "held by citizens",
    "campaign": "in campaign budgets",
    "merchant": "paid to merchants",
    "project": "donated to projects",
    "expired": "expired",
    "reserved": "reserved for redemptions",
    "lottery": "in lotteries",
}


@dataclass
class Reconciliation:
    """The figures of one reconciliation and every mismatch found."""

    accounts: int = 0
    balance_sum: int = 0
    circulating: int = 0
    checkpoint_size: int = 0
    leaf_points: int = 0
    issued_for_leaves: int = 0
    owing: int = 0
    owed: int = 0
    held: dict[str, int] = field(default_factory=dict)
    moved: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        held = [
            f"  {HOLDERS.get(kind, kind)}: {points}" for kind, points in sorted(self.held.items())
        ]
        moved = [f"  {kind}: {points}" for kind, points in sorted(self.moved.items())]
        return [
            f"accounts: {self.accounts}, sum of balances: {self.balance_sum}",
            f"points issued and not returned (in circulation): {self.circulating}",
            *held,
            "points moved, by kind of transfer:",
            *moved,
            f"points in log leaves up to checkpoint {self.checkpoint_size}: {self.leaf_points}",
            f"issuance movements for those leaves: {self.issued_for_leaves}",
            f"points owed after reversals: {self.owed} by {self.owing} citizen(s)",
        ]


def _leaf_points(conn: Connection, size: int, progress: Callable[[int, int], None] | None) -> int:
    total = 0
    for index in range(-(-size // tiles.TILE_WIDTH)):
        data = log_repo.bundle(conn, index)
        if data is None:
            raise LookupError(f"entry bundle {index} is missing")
        entries = tiles.decode_bundle(data)[: size - index * tiles.TILE_WIDTH]
        # Lottery leaves move no points: only credits and reversals count.
        leaves = (decode_leaf(entry) for entry in entries)
        total += sum(leaf.points for leaf in leaves if isinstance(leaf, Leaf))
        if progress:
            progress(min(size, (index + 1) * tiles.TILE_WIDTH), size)
    return total


def reconcile(
    conn: Connection, progress: Callable[[int, int], None] | None = None
) -> Reconciliation:
    result = Reconciliation()
    balances = repo.balances(conn)
    moved = repo.net_movements(conn)
    result.accounts = len(balances)
    held: dict[str, int] = defaultdict(int)
    result.balance_sum = sum(balance for balance, _ in balances.values())
    if result.balance_sum != 0:
        result.problems.append(f"balances sum to {result.balance_sum}, not 0")
    for account, (balance, allow_negative) in sorted(balances.items()):
        net = moved.get(account, 0)
        if balance != net:
            result.problems.append(f"account {account}: balance {balance}, transfers net {net}")
        if balance < 0 and not allow_negative:
            result.problems.append(f"account {account} is negative ({balance})")
        if allow_negative:
            result.circulating -= balance
        else:
            held[account_kind(account)] += balance
    result.held = dict(held)
    result.moved = repo.kind_totals(conn)
    result.owing, result.owed = debts.total_owed(conn)
    for row in campaign_repo.campaign_rows(conn):
        left = balances.get(campaign_account(row.id), (0, False))[0]
        if row.status == "closed" and left:
            result.problems.append(f"campaign {row.id} is closed but holds {left} points")
    unlinked = repo.log_transfers_without_leaf(conn, LOG_KINDS)
    if unlinked:
        result.problems.append(f"{unlinked} award, bonus or clawback transfer(s) name no log leaf")
    latest = log_repo.latest_checkpoint(conn)
    result.checkpoint_size = int(latest.size) if latest else 0
    result.leaf_points = _leaf_points(conn, result.checkpoint_size, progress)
    result.issued_for_leaves = repo.issued_below_leaf(conn, result.checkpoint_size)
    if result.leaf_points != result.issued_for_leaves:
        result.problems.append(
            f"log leaves carry {result.leaf_points} points but the issuance account moved "
            f"{result.issued_for_leaves} for them"
        )
    # The carbon market's units are double entry too.
    result.problems += unit_problems(conn)
    return result
