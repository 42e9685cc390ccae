"""A stateful machine drives `ledger.post` on both databases with awards, spending, multi-leg
postings, retries and reused keys, and checks the stored balances against a model after every
step: all or nothing, idempotent by key, never below zero, summing to zero."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from carbonledger import clock, db
from carbonledger.errors import Conflict, InsufficientPoints
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points.postings import ISSUANCE, Transfer, balance_changes
from carbonledger.points.tables import point_accounts

_examples = itertools.count()
CITIZENS = 3


class LedgerMachine(RuleBasedStateMachine):
    posted = Bundle("posted")

    def __init__(self, platform: Platform) -> None:
        super().__init__()
        self.platform = platform
        # Each example uses accounts of its own, so examples share one database.
        self.prefix = f"m{next(_examples)}"
        self.citizens = [f"citizen:{self.prefix}-{n}" for n in range(CITIZENS)]
        self.shop = f"merchant:{self.prefix}"
        self.model = dict.fromkeys([*self.citizens, self.shop], 0)
        self.keys = itertools.count()

    @initialize()
    def open(self) -> None:
        accounts = [(c, "citizen") for c in self.citizens] + [(self.shop, "merchant")]
        with db.write(self.platform.engine) as conn:
            ledger.open_accounts(conn, accounts, clock.now())

    def key(self) -> str:
        return f"{self.prefix}:{next(self.keys)}"

    def post(self, batch: list[Transfer]) -> bool:
        """Post in a transaction of its own; the transaction is rolled back on any error."""
        with db.write(self.platform.engine) as conn:
            return ledger.post(conn, batch, clock.now())

    def would_go_negative(self, batch: list[Transfer]) -> bool:
        changes = balance_changes(batch)
        return any(
            self.model[account] + change < 0
            for account, change in changes.items()
            if account != ISSUANCE
        )

    def apply(self, batch: list[Transfer]) -> None:
        for account, change in balance_changes(batch).items():
            if account != ISSUANCE:
                self.model[account] += change

    def attempt(self, batch: list[Transfer]) -> list[Transfer]:
        if self.would_go_negative(batch):
            with pytest.raises(InsufficientPoints):
                self.post(batch)
            return []
        assert self.post(batch) is True
        self.apply(batch)
        return batch

    @rule(target=posted, citizen=st.integers(0, CITIZENS - 1), amount=st.integers(1, 500))
    def award(self, citizen: int, amount: int) -> list[Transfer]:
        return self.attempt(
            [Transfer(self.key(), "award", ISSUANCE, self.citizens[citizen], amount)]
        )

    @rule(
        target=posted,
        legs=st.lists(
            st.tuples(st.integers(0, CITIZENS - 1), st.integers(1, 400)), min_size=1, max_size=3
        ),
    )
    def spend(self, legs: list[tuple[int, int]]) -> list[Transfer]:
        """Several citizens pay the shop in one posting: all legs or none."""
        batch = [
            Transfer(self.key(), "redeem", self.citizens[c], self.shop, amount)
            for c, amount in legs
        ]
        return self.attempt(batch)

    @rule(batch=posted)
    def retry(self, batch: list[Transfer]) -> None:
        if batch:
            assert self.post(batch) is False

    @rule(batch=posted, extra=st.integers(1, 50))
    def reuse_a_key(self, batch: list[Transfer], extra: int) -> None:
        if batch:
            first = batch[0]
            changed = Transfer(
                first.idempotency_key, first.kind, first.debit, first.credit, first.amount + extra
            )
            with pytest.raises(Conflict):
                self.post([changed])

    @invariant()
    def balances_match_the_model(self) -> None:
        with db.read(self.platform.engine) as conn:
            stored = {
                row.id: row.balance
                for row in conn.execute(
                    select(point_accounts).where(point_accounts.c.id.in_(list(self.model)))
                )
            }
            total = conn.execute(select(func.sum(point_accounts.c.balance))).scalar()
        assert stored == self.model
        assert total == 0


def test_the_ledger_keeps_its_promises_under_any_sequence(platform: Platform) -> None:
    run_state_machine_as_test(
        lambda: LedgerMachine(platform),
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
