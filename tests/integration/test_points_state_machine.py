"""The points ledger as a Hypothesis state machine (rule-based): awards through the real
pipeline, retries, redemptions and their retries, cancellations, confirmations, the timeout job
that voids unconfirmed redemptions, expiry, donations, lottery entries and reversals, in random
order, against a simple model of what each citizen holds. After every step: every balance equals
the model, all balances sum to zero, no citizen, merchant or budget account is negative, the
reward's stock equals the model, and `reconcile` finds nothing wrong (log leaves against
issuance)."""

from __future__ import annotations

import itertools
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule
from sqlalchemy import func, select

from carbonledger import clock, db
from carbonledger.config import Settings
from carbonledger.donations import service as donations
from carbonledger.donations.rules import ProjectTerms
from carbonledger.errors import CarbonLedgerError
from carbonledger.ingest.crediting import reverse
from carbonledger.lotteries import purchases
from carbonledger.lotteries import service as lotteries
from carbonledger.platform import Platform
from carbonledger.points import debts, expiry_job, ledger
from carbonledger.points.postings import citizen_account
from carbonledger.points.reconcile import reconcile
from carbonledger.points.tables import point_accounts
from carbonledger.rewards import service as rewards
from carbonledger.rewards.tables import rewards as reward_table
from carbonledger.translog import publisher
from tests import factories
from tests.factories import record
from tests.integration.helpers import submit

CITIZENS = 3
PRICE = 150
STOCK = 4
TREE = 100
ENTRY = 100
HOLD_MINUTES = 60
_serial = itertools.count()


class PointsLedger(RuleBasedStateMachine):
    """One platform per run; the model is a dict of balances and the reward's stock."""

    batches = Bundle("batches")
    credits = Bundle("credits")
    held = Bundle("held")
    keys = Bundle("keys")

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.platform = Platform.open(Settings(data_dir=Path(self.folder.name) / "data"))
        platform = self.platform
        self.partner = factories.add_partner(platform, "bike")
        self.citizens = [factories.add_citizen(platform) for _ in range(CITIZENS)]
        for n, citizen in enumerate(self.citizens):
            factories.link(platform, "bike", f"u{n}", citizen)
        merchant = factories.add_partner(platform, "shop", role="merchant").id
        self.merchant = merchant
        self.merchant_points = 0
        self.reward = factories.add_reward(platform, merchant, price=PRICE, stock=STOCK)
        now = clock.now()
        with db.write(platform.engine) as conn:
            self.project = donations.create_project(
                conn,
                ProjectTerms("tree_planting", "植树", "Trees", "棵", "tree", TREE, TREE * 10_000),
                None,
                now,
            )
            self.lottery = lotteries.create(
                conn,
                platform,
                factories.lottery_terms(merchant, now, now + timedelta(days=7), entry_price=ENTRY),
                "operator",
                now,
            )
        self.balance = dict.fromkeys(self.citizens, 0)
        # What reversals could not take back, recovered from the citizen's next awarded batch.
        self.owed = dict.fromkeys(self.citizens, 0)
        self.paid: dict[str, int] = {}
        self.stock = STOCK
        self.slots = dict.fromkeys(self.citizens, 0)

    def teardown(self) -> None:
        self.platform.close()
        self.folder.cleanup()

    def _attempt(self, work: Any) -> CarbonLedgerError | Any:
        try:
            with db.write(self.platform.engine) as conn:
                return work(conn)
        except CarbonLedgerError as error:
            return error

    # Earning

    @rule(target=batches, who=st.integers(0, CITIZENS - 1), trips=st.integers(1, 3))
    def award(self, who: int, trips: int) -> tuple[list[dict[str, Any]], list[Any]]:
        citizen = self.citizens[who]
        start = clock.now() - timedelta(hours=28)
        batch = []
        for _ in range(trips):
            slot = self.slots[citizen]
            self.slots[citizen] += 1
            batch.append(
                record("cycling", user=f"u{who}", start=start + timedelta(minutes=25 * slot))
            )
        results = submit(self.platform, "bike", batch)
        for result in results:
            # Past the 50 km daily cap a trip is credited in part, then not at all.
            assert result.status.value == "accepted" or result.reason == "over_daily_cap", result
            self.balance[citizen] += result.points
            self.paid[result.record] = result.points
        if any(result.status.value == "accepted" for result in results):
            recovered = min(self.owed[citizen], self.balance[citizen])
            self.owed[citizen] -= recovered
            self.balance[citizen] -= recovered
        with db.write(self.platform.engine) as conn:
            publisher.publish(conn, self.platform, clock.now())
        return batch, results

    @rule(target=credits, sent=batches)
    def a_credit(self, sent: tuple[list[dict[str, Any]], list[Any]]) -> tuple[str, Any]:
        _, results = sent
        return results[0].record, self.citizens[int(sent[0][0]["user"][1:])]

    @rule(sent=batches)
    def retry_award(self, sent: tuple[list[dict[str, Any]], list[Any]]) -> None:
        batch, first = sent
        again = submit(self.platform, "bike", batch)
        assert [r.replayed for r in again] == [True] * len(batch)
        assert [r.record for r in again] == [r.record for r in first]

    @rule(credit=consumes(credits))
    def reverse_a_credit(self, credit: tuple[str, str]) -> None:
        record_id, citizen = credit
        before = self._held_by(citizen)
        outcome = self._attempt(
            lambda conn: reverse(conn, self.platform, record_id, "review", clock.now())
        )
        if isinstance(outcome, CarbonLedgerError):
            assert outcome.code == "not_reversible"  # reversed already through another handle
            return
        taken = before - self._held_by(citizen)
        self.balance[citizen] -= taken
        self.owed[citizen] += self.paid[record_id] - taken
        with db.write(self.platform.engine) as conn:
            publisher.publish(conn, self.platform, clock.now())

    # Spending

    @rule(target=held, who=st.integers(0, CITIZENS - 1))
    def redeem(self, who: int) -> tuple[str, str, str, str] | None:
        citizen = self.citizens[who]
        key = f"k{next(_serial)}"
        outcome = self._attempt(
            lambda conn: rewards.redeem(
                conn, self.platform.keys, citizen, self.reward, key, clock.now(), HOLD_MINUTES
            )
        )
        if self.balance[citizen] < PRICE:
            assert isinstance(outcome, CarbonLedgerError) and outcome.code == "insufficient_points"
            return None
        if self.stock == 0:
            assert isinstance(outcome, CarbonLedgerError) and outcome.code == "out_of_stock"
            return None
        assert not isinstance(outcome, CarbonLedgerError), outcome
        self.balance[citizen] -= PRICE
        self.stock -= 1
        return citizen, key, outcome.redemption.id, outcome.code

    @rule(redemption=held)
    def retry_redeem(self, redemption: tuple[str, str, str, str] | None) -> None:
        if redemption is None:
            return
        citizen, key, first, code = redemption
        again = self._attempt(
            lambda conn: rewards.redeem(
                conn, self.platform.keys, citizen, self.reward, key, clock.now(), HOLD_MINUTES
            )
        )
        assert not isinstance(again, CarbonLedgerError)
        assert (again.redemption.id, again.replayed, again.code) == (first, True, code)

    @rule(redemption=consumes(held))
    def cancel(self, redemption: tuple[str, str, str, str] | None) -> None:
        if redemption is None:
            return
        citizen, _, redemption_id, _ = redemption
        outcome = self._attempt(
            lambda conn: rewards.cancel(conn, citizen, redemption_id, clock.now())
        )
        if isinstance(outcome, CarbonLedgerError):
            assert outcome.code in ("already_voided", "already_confirmed")
            return
        self.balance[citizen] += PRICE
        self.stock += 1

    @rule(redemption=consumes(held))
    def merchant_confirms(self, redemption: tuple[str, str, str, str] | None) -> None:
        if redemption is None:
            return
        voucher = redemption[3]
        zone = self.platform.settings.zone
        outcome = self._attempt(
            lambda conn: rewards.confirm(
                conn, self.platform.keys, self.merchant, voucher, clock.now(), zone
            )
        )
        if isinstance(outcome, CarbonLedgerError):
            assert outcome.code == "already_voided"
            return
        self.merchant_points += PRICE

    @rule()
    def timeout_voids_every_unconfirmed_redemption(self) -> None:
        later = clock.now() + timedelta(minutes=HOLD_MINUTES + 1)
        with db.read(self.platform.engine) as conn:
            waiting = rewards_reserved(conn)
        with db.write(self.platform.engine) as conn:
            rewards.void_expired(conn, later)
        for citizen in waiting:
            self.balance[citizen] += PRICE
            self.stock += 1

    @rule()
    def expire_two_years_on(self) -> None:
        """Every point here was earned this year, so two years on everything held expires; a
        second run the same day finds nothing more."""
        zone = self.platform.settings.zone
        now = clock.now()
        later = now.astimezone(zone).date().replace(month=1, day=2, year=now.year + 2)
        for _ in range(2):
            with db.write(self.platform.engine) as conn:
                expiry_job.expire_due(conn, later, zone, now)
        # What was held expired; what reversals could not take back is still owed (expiry
        # forgives no debt), and a credit reversed later still names what it paid.
        self.balance = dict.fromkeys(self.citizens, 0)

    @rule(who=st.integers(0, CITIZENS - 1), units=st.integers(1, 3))
    def donate(self, who: int, units: int) -> None:
        citizen = self.citizens[who]
        key = f"d{next(_serial)}"
        outcome = self._attempt(
            lambda conn: donations.donate(conn, citizen, self.project, units, key, clock.now())
        )
        if self.balance[citizen] < units * TREE:
            assert isinstance(outcome, CarbonLedgerError) and outcome.code == "insufficient_points"
            return
        assert not isinstance(outcome, CarbonLedgerError), outcome
        self.balance[citizen] -= units * TREE

    @rule(who=st.integers(0, CITIZENS - 1), count=st.integers(1, 2))
    def enter_lottery(self, who: int, count: int) -> None:
        citizen = self.citizens[who]
        key = f"l{next(_serial)}"
        outcome = self._attempt(
            lambda conn: purchases.buy(conn, self.lottery, citizen, count, key, clock.now())
        )
        if self.balance[citizen] < count * ENTRY:
            assert isinstance(outcome, CarbonLedgerError) and outcome.code == "insufficient_points"
            return
        assert not isinstance(outcome, CarbonLedgerError), outcome
        self.balance[citizen] -= count * ENTRY

    # Invariants

    def _held_by(self, citizen: str) -> int:
        with db.read(self.platform.engine) as conn:
            return ledger.balance(conn, citizen_account(citizen))

    @invariant()
    def balances_follow_the_model(self) -> None:
        for citizen, expected in self.balance.items():
            assert self._held_by(citizen) == expected
        with db.read(self.platform.engine) as conn:
            assert {c: debts.owed(conn, c) for c in self.citizens} == self.owed
            assert ledger.balance(conn, f"merchant:{self.merchant}") == self.merchant_points

    @invariant()
    def double_entry_holds_and_nothing_is_negative(self) -> None:
        with db.read(self.platform.engine) as conn:
            rows = list(conn.execute(select(point_accounts)))
            stock = conn.execute(
                select(reward_table.c.stock).where(reward_table.c.id == self.reward)
            ).scalar_one()
            total = conn.execute(select(func.sum(point_accounts.c.balance))).scalar_one()
            checked = reconcile(conn)
        assert total == 0
        assert all(row.balance >= 0 for row in rows if not row.allow_negative)
        assert stock == self.stock
        assert checked.ok, checked.problems


def rewards_reserved(conn: Any) -> list[str]:
    """The citizen of each redemption still waiting for confirmation."""
    from carbonledger.rewards.tables import redemptions

    return [
        row.citizen_id
        for row in conn.execute(
            select(redemptions.c.citizen_id).where(redemptions.c.state == "reserved")
        )
    ]


PointsLedger.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestPointsLedger = PointsLedger.TestCase
