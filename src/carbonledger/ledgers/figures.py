"""Ledger figures from rollup rows: sums by any dimension, and the points flow named from the
kinds of account points moved between. Pure.

The points flow (积分流向): points are `issued` to citizens (from the city's issuance account for
credits, from campaign budgets for bonuses and engagement), `clawed_back` on a reversal,
`redeemed` when a merchant confirms a voucher, `held` while a redemption waits for confirmation,
`donated` to public-welfare projects, `spent_on_lotteries`, `expired`, and `outstanding` in
citizens' accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

COUNTS = ("accepted", "duplicate", "pending", "rejected", "reduction_mg", "points")
FLOWS: Mapping[tuple[str, str], str] = {
    ("issuance", "citizen"): "issued",
    ("campaign", "citizen"): "issued",
    ("citizen", "issuance"): "clawed_back",
    ("citizen", "campaign"): "clawed_back",
    ("reserved", "merchant"): "redeemed",
    ("citizen", "project"): "donated",
    ("citizen", "lottery"): "spent_on_lotteries",
    ("citizen", "expired"): "expired",
    ("issuance", "campaign"): "budgeted",
    ("campaign", "issuance"): "budget_returned",
}
FLOW_NAMES = (*dict.fromkeys(FLOWS.values()), "held", "outstanding")


def zero() -> dict[str, int]:
    return dict.fromkeys((*COUNTS, "citizen_days"), 0)


def add(total: dict[str, int], counts: Mapping[str, int]) -> None:
    for name in COUNTS:
        total[name] += counts[name]
    total["citizen_days"] += counts["citizens"]


def total(rows: Iterable[Mapping[str, int]]) -> dict[str, int]:
    result = zero()
    for counts in rows:
        add(result, counts)
    return result


def points_flow(
    moves: Iterable[tuple[date, str, str, int]], first: date | None, last: date | None
) -> dict[str, int]:
    """Named flows within [first, last] from (local day, debit kind, credit kind, points) moves;
    `held` and `outstanding` are balances at the end of `last` (everything up to it)."""
    named = dict.fromkeys(FLOW_NAMES, 0)
    for day, debit, credit, amount in moves:
        if last is not None and day > last:
            continue
        for kind, sign in ((credit, 1), (debit, -1)):
            if kind == "citizen":
                named["outstanding"] += sign * amount
            elif kind == "reserved":
                named["held"] += sign * amount
        name = FLOWS.get((debit, credit))
        if name and (first is None or day >= first):
            named[name] += amount
    return named
