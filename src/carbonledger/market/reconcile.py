"""Double entry in units (对账): nothing created or lost.

- the accounts' balances by their moves sum to zero, and each equals the units its holdings
  hold (the issuance account is minus every unit issued);
- each issued lot's ranges cover 1 … units exactly once (no serial held twice, none lost);
- nothing ever left the retired or cancelled accounts.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.engine import Connection

from carbonledger.market import registry_repository as registry_repo
from carbonledger.market import repository as repo
from carbonledger.market.units import Span


def unit_problems(conn: Connection) -> list[str]:
    problems = []
    by_moves = registry_repo.unit_balances(conn)
    held = registry_repo.held_units(conn)
    if sum(by_moves.values()):
        problems.append(f"unit balances sum to {sum(by_moves.values())}, not 0")
    issued = sum(int(lot.units or 0) for lot in repo.lots(conn) if lot.status == "issued")
    if -by_moves.get(registry_repo.ISSUANCE, 0) != issued:
        problems.append(
            f"the issuance account moved {-by_moves.get(registry_repo.ISSUANCE, 0)} units, "
            f"but lots issued {issued}"
        )
    for account in sorted((set(by_moves) | set(held)) - {registry_repo.ISSUANCE}):
        if by_moves.get(account, 0) != held.get(account, 0):
            problems.append(
                f"registry account {account}: moves give {by_moves.get(account, 0)} units, "
                f"its serial ranges hold {held.get(account, 0)}"
            )
    for move in registry_repo.moves(conn):
        if move.debit in (registry_repo.RETIRED, registry_repo.CANCELLED):
            problems.append(f"move {move.id} took units out of the {move.debit} account")
    spans: dict[int, list[Span]] = defaultdict(list)
    for row in registry_repo.all_holdings(conn):
        spans[row.lot].append(Span(int(row.first), int(row.last)))
    for lot in repo.lots(conn):
        problems += lot_span_problems(lot.number, int(lot.units or 0), spans.get(lot.number, []))
    return problems


def lot_span_problems(number: int, units: int, spans: list[Span]) -> list[str]:
    """The ranges of one lot tile 1 … units: no gap, no overlap, nothing beyond."""
    expected = 1
    for span in sorted(spans):
        if span.first < expected:
            return [f"lot {number}: serial {span.first} is held twice"]
        if span.first > expected:
            return [f"lot {number}: serials {expected}-{span.first - 1} are held by nobody"]
        expected = span.last + 1
    if expected - 1 != units:
        return [f"lot {number}: ranges end at serial {expected - 1}, the lot issued {units}"]
    return []
