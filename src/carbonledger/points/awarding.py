"""The points side of crediting and reversing.

A credit batch loads the award rules in force, the campaigns its credits may match, their budgets
left and the points each citizen was already awarded on each local day, once per batch with
batch-sized queries, and keeps them up to date as it awards, so that a budget running out or a
daily cap reached half-way through a batch holds for the rest of it. It runs in the credit's
transaction, under the sequencer lock, so no other batch awards meanwhile.

A reversal reconstructs what the credit paid from the record's own transfers and claws back base
and bonuses, as far as the citizen's balance allows; what it cannot take back is owed and taken
from the citizen's next awards (`debts`). Bonus points returning to a campaign that was closed
go on to issuance, as its leftover did when it closed, so a closed campaign never holds points.
A reversal leaves the day's points as they were: the cap limits what one day's reports can earn,
the reversed report was one of them, and the reports the cap cut that day are not paid again
anyway.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.points import campaign_repository as campaign_repo
from carbonledger.points import debts, ledger
from carbonledger.points import repository as repo
from carbonledger.points.awards import Award, Clawback, award, clawback, clawback_transfers
from carbonledger.points.campaigns import Campaign, campaign_account
from carbonledger.points.postings import ISSUANCE, Transfer, citizen_account
from carbonledger.points.rules import AwardRules


def current_rules(conn: Connection) -> AwardRules:
    """The newest rules the operator set, or the default (1 point per gram, no cap)."""
    versions = repo.rules_versions(conn, 1)
    return versions[0].rules if versions else AwardRules()


class Awarding:
    """Award state for one batch of credits."""

    def __init__(
        self,
        rules: AwardRules,
        campaigns: Sequence[Campaign],
        budgets_left: dict[str, int],
        awarded: dict[tuple[str, date], int],
    ) -> None:
        self.rules = rules
        self.campaigns = list(campaigns)
        self.budgets_left = budgets_left
        self.awarded = awarded
        self.added: dict[tuple[str, date], int] = defaultdict(int)

    @classmethod
    def load(cls, conn: Connection, claims: Sequence[tuple[str, date, datetime]]) -> Awarding:
        """The state for credits of (citizen, local day, time) `claims`."""
        rules = current_rules(conn)
        if not claims:
            return cls(rules, [], {}, {})
        times = [at for _, _, at in claims]
        campaigns = campaign_repo.campaigns_overlapping(
            conn, min(times), max(times), open_only=True
        )
        balances = repo.balances_of(conn, [campaign_account(c.id) for c in campaigns])
        budgets = {c.id: balances.get(campaign_account(c.id), 0) for c in campaigns}
        awarded = repo.day_points(conn, (c for c, _, _ in claims), (d for _, d, _ in claims))
        return cls(rules, campaigns, budgets, awarded)

    def award(
        self,
        reduction_mg: int,
        *,
        citizen_id: str,
        day: date,
        scenario: str,
        category: str,
        region: str,
        at: datetime,
    ) -> Award:
        """The award of one credit; the day's points and the budgets are charged at once."""
        key = (citizen_id, day)
        awarded = award(
            reduction_mg,
            rules=self.rules,
            awarded_today=self.awarded.get(key, 0),
            campaigns=self.campaigns,
            budgets_left=self.budgets_left,
            scenario=scenario,
            category=category,
            region=region,
            at=at,
        )
        self.awarded[key] = self.awarded.get(key, 0) + awarded.total
        self.added[key] += awarded.total
        for campaign_id, points in awarded.bonuses:
            self.budgets_left[campaign_id] -= points
        return awarded

    def save(self, conn: Connection, now: datetime | None = None) -> None:
        """Store the day points this batch added (the transfers carry the budgets), after the
        award transfers are posted; then take what the awarded citizens owe after reversals."""
        repo.add_day_points(conn, dict(self.added))
        debts.recover(conn, (citizen for citizen, _ in self.added), now or clock.now())


def paid(conn: Connection, record_id: str, at: datetime) -> Award:
    """What the credit of `record_id` (whose behaviour happened at `at`) was paid, read from its
    transfers: the base and the bonus of each campaign running at `at`, in campaign order."""
    running = sorted(
        campaign_repo.campaigns_overlapping(conn, at, at, open_only=False),
        key=lambda c: (c.starts_at, c.id),
    )
    keys = [f"award:{record_id}"] + [f"bonus:{record_id}:{c.id}" for c in running]
    amounts = {row.idempotency_key: row.amount for row in repo.transfers_by_key(conn, keys)}
    bonuses = tuple(
        (c.id, amounts[f"bonus:{record_id}:{c.id}"])
        for c in running
        if f"bonus:{record_id}:{c.id}" in amounts
    )
    return Award(amounts.get(f"award:{record_id}", 0), bonuses)


def claw_back(
    conn: Connection,
    *,
    citizen_id: str,
    record_id: str,
    at: datetime,
    leaf_index: int,
    reason: str,
    now: datetime,
) -> Clawback:
    """Take back what a reversed credit paid, as far as the citizen's balance allows; the rest
    is owed (`debts`), taken from the citizen's later awards."""
    balance = ledger.balance(conn, citizen_account(citizen_id))
    taken = clawback(paid(conn, record_id, at), balance)
    moves = [
        replace(t, memo=reason)
        for t in clawback_transfers(
            taken, citizen_id=citizen_id, record_id=record_id, leaf_index=leaf_index, at=at
        )
    ]
    closed = campaign_repo.closed_campaigns(conn, (c for c, _ in taken.bonuses))
    moves += [
        Transfer(
            idempotency_key=f"campaign_return:{campaign_id}:{record_id}",
            kind="campaign_return",
            debit=campaign_account(campaign_id),
            credit=ISSUANCE,
            amount=points,
            record_id=record_id,
            ref=campaign_id,
        )
        for campaign_id, points in taken.bonuses
        if campaign_id in closed
    ]
    ledger.post(conn, moves, now)
    debts.owe(conn, citizen_id, taken.shortfall, now)
    return taken
