"""A stateful machine forms lots, objects, answers, signs, issues, transfers, retires and
reverses credits after issue, against a model of every account's units, and checks after every
step that the registry holds what the model says and that the units reconcile (nothing created
or lost, no serial held twice)."""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.errors import CarbonLedgerError
from carbonledger.ingest.crediting import reverse
from carbonledger.market import lots, registry
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market.reconcile import unit_problems
from carbonledger.market.tables import market_lot_credits
from carbonledger.market.units import buffer_units, cover_units
from carbonledger.platform import Platform
from tests.integration.market.market_helpers import LATER, credit, form, new_verifier, sign

_examples = itertools.count()


@dataclass
class LotModel:
    total_mg: int
    unit_mg: int
    credits: list[tuple[str, int]]
    status: str = "notice"
    signed: bool = False
    open_objections: list[str] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)
    reversed: set[str] = field(default_factory=set)


class MarketMachine(RuleBasedStateMachine):
    def __init__(self, platform: Platform) -> None:
        super().__init__()
        self.platform = platform
        self.example = next(_examples)
        self.lots: dict[int, LotModel] = {}
        self.free = 0
        self.buyers: list[str] = []
        self.seed = b""

    @initialize()
    def open(self) -> None:
        # Examples share one database: an earlier example's unformed credits go to a lot of
        # their own, outside this example's model.
        with contextlib.suppress(CarbonLedgerError):
            form(self.platform)
        self.verifier = f"v-m{self.example}"
        self.seed = new_verifier(self.platform, self.verifier)
        with db.write(self.platform.engine) as conn:
            self.buyers = [
                registry.open_account(conn, f"e{self.example}", "enterprise", "E", clock.now()),
                registry.open_account(conn, f"c{self.example}", "citizen", "C", clock.now()),
            ]

    def pick(self, index: int) -> tuple[int, LotModel]:
        number = sorted(self.lots)[index % len(self.lots)]
        return number, self.lots[number]

    def fails(self, work: object, match: str | None = None) -> None:
        with pytest.raises(CarbonLedgerError, match=match), db.write(self.platform.engine) as c:
            work(c)  # type: ignore[operator]

    @rule(trips=st.integers(1, 3))
    def earn(self, trips: int) -> None:
        credit(self.platform, trips)
        self.free += trips

    @rule(trips=st.integers(0, 2))
    def form_a_lot(self, trips: int) -> None:
        if trips:
            self.earn(trips)
        if self.free == 0:
            with pytest.raises(CarbonLedgerError, match=r"nothing to form|no checkpoint"):
                form(self.platform)
            return
        number = form(self.platform)
        with db.read(self.platform.engine) as conn:
            lot = lots.get_lot(conn, number)
            rows = conn.execute(
                select(market_lot_credits).where(market_lot_credits.c.lot == number)
            ).all()
        assert lot.credits == len(rows) == self.free
        self.free = 0
        self.lots[number] = LotModel(
            lot.total_mg, lot.unit_mg, [(r.record_id, r.reduction_mg) for r in rows]
        )

    @precondition(lambda self: self.lots)
    @rule(index=st.integers(0, 9))
    def object_to(self, index: int) -> None:
        number, lot = self.pick(index)
        if lot.status == "issued":
            self.fails(lambda c: lots.object_to(c, number, "why?", clock.now()), "already issued")
            return
        with db.write(self.platform.engine) as conn:
            lot.open_objections.append(lots.object_to(conn, number, "why?", clock.now()))

    @precondition(lambda self: any(lot.open_objections for lot in self.lots.values()))
    @rule(index=st.integers(0, 9))
    def answer(self, index: int) -> None:
        waiting = [n for n, lot in sorted(self.lots.items()) if lot.open_objections]
        lot = self.lots[waiting[index % len(waiting)]]
        with db.write(self.platform.engine) as conn:
            lots.answer(conn, lot.open_objections.pop(0), "checked", "op", clock.now())

    @precondition(lambda self: self.lots)
    @rule(index=st.integers(0, 9))
    def verify(self, index: int) -> None:
        number, lot = self.pick(index)
        if lot.status == "issued":
            with pytest.raises(CarbonLedgerError, match="issued"):
                sign(self.platform, number, self.seed, self.verifier)
            return
        sign(self.platform, number, self.seed, self.verifier)
        lot.signed = True

    @precondition(lambda self: self.lots)
    @rule(index=st.integers(0, 9))
    def issue(self, index: int) -> None:
        number, lot = self.pick(index)
        later = clock.now() + LATER
        if lot.status == "issued" or lot.open_objections or not lot.signed:
            self.fails(lambda c: lots.issue(c, number, "op", later))
            return
        with db.write(self.platform.engine) as conn:
            units, buffer = lots.issue(conn, number, "op", later)
        assert units == lot.total_mg // lot.unit_mg
        assert buffer == buffer_units(units, 500)
        lot.status = "issued"
        lot.held = {registry_repo.POOL: units - buffer, registry_repo.BUFFER: buffer}

    def holders(self) -> list[str]:
        return [registry_repo.POOL, *self.buyers]

    @precondition(lambda self: self.lots)
    @rule(
        index=st.integers(0, 9),
        seller=st.integers(0, 2),
        buyer=st.integers(0, 1),
        units=st.integers(1, 12),
        price=st.integers(0, 50_000),
    )
    def transfer(self, index: int, seller: int, buyer: int, units: int, price: int) -> None:
        number, lot = self.pick(index)
        source, target = self.holders()[seller], self.buyers[buyer]

        def work(conn: object) -> object:
            return registry.transfer(
                conn,  # type: ignore[arg-type]
                number,
                units,
                seller=source,
                buyer=target,
                price_fen=price,
                funds=None,
                now=clock.now(),
            )

        if lot.status != "issued" or source == target or lot.held.get(source, 0) < units:
            self.fails(work)
            return
        with db.write(self.platform.engine) as conn:
            work(conn)
        lot.held[source] -= units
        lot.held[target] = lot.held.get(target, 0) + units

    @precondition(lambda self: self.lots)
    @rule(index=st.integers(0, 9), holder=st.integers(0, 2), units=st.integers(1, 12))
    def retire(self, index: int, holder: int, units: int) -> None:
        number, lot = self.pick(index)
        account = self.holders()[holder]

        def work(conn: object) -> object:
            return registry.retire(
                conn,  # type: ignore[arg-type]
                number,
                units,
                holder=account,
                purpose="event",
                beneficiary="city",
                now=clock.now(),
            )

        if lot.status != "issued" or lot.held.get(account, 0) < units:
            self.fails(work)
            return
        with db.write(self.platform.engine) as conn:
            work(conn)
        lot.held[account] -= units
        lot.held[registry_repo.RETIRED] = lot.held.get(registry_repo.RETIRED, 0) + units

    @precondition(lambda self: any(lot.status == "issued" for lot in self.lots.values()))
    @rule(index=st.integers(0, 99))
    def reverse_after_issue(self, index: int) -> None:
        issued = [lot for _, lot in sorted(self.lots.items()) if lot.status == "issued"]
        lot = issued[index % len(issued)]
        left = [c for c in lot.credits if c[0] not in lot.reversed]
        if not left:
            return
        record_id, mg = left[index % len(left)]
        with db.write(self.platform.engine) as conn:
            reverse(conn, self.platform, record_id, "withdrawn by the partner", clock.now())
        lot.reversed.add(record_id)
        need = cover_units(mg, lot.unit_mg)
        for holder in (registry_repo.BUFFER, registry_repo.POOL):
            count = min(need, lot.held.get(holder, 0))
            lot.held[holder] = lot.held.get(holder, 0) - count
            lot.held[registry_repo.CANCELLED] = lot.held.get(registry_repo.CANCELLED, 0) + count
            need -= count

    @invariant()
    def the_registry_holds_what_the_model_says(self) -> None:
        with db.read(self.platform.engine) as conn:
            assert unit_problems(conn) == []
            for number, lot in self.lots.items():
                stored = {
                    account: sum(s.units for s in registry_repo.holdings(conn, number, account))
                    for account in lot.held
                }
                assert stored == lot.held, number


def test_units_are_never_created_lost_or_spent_twice(platform: Platform) -> None:
    run_state_machine_as_test(
        lambda: MarketMachine(platform),
        settings=settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
