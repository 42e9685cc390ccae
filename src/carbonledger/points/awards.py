"""Awarding points on a credit (积分发放) and clawing them back on its reversal. Pure.

An award has a base, from the city's issuance account, and one bonus per matching campaign,
from that campaign's budget account. The caller posts them as transfers in the credit's
transaction (`award_transfers`); the log leaf's `points` is the base, so that the points in the
log still equal the issuance account's movements, and each bonus transfer names the same leaf.

The limits, in order:

1. base = reduction ÷ `mg_per_point`, rounded down;
2. each campaign active at the credit's time whose filters match adds base × (multiplier − 1),
   rounded down. Campaigns do not compound: every bonus is computed from the base alone;
3. each bonus is limited by what is left of its campaign's budget, so no budget goes negative;
4. the daily cap limits base + bonuses to what the citizen may still earn today. The cap cuts the
   bonuses first (in campaign order, the latest campaign first) and the base only when the base
   alone exceeds it: the base is what the verified reduction earns, bonuses are promotion, and a
   cut bonus stays in its campaign's budget for other citizens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from carbonledger.points.campaigns import Campaign, campaign_account, matches
from carbonledger.points.postings import ISSUANCE, Transfer, citizen_account
from carbonledger.points.rules import AwardRules

Bonuses = tuple[tuple[str, int], ...]


class AwardError(ValueError):
    """An award was asked for with inputs that cannot be right; the message says which."""


class Award(NamedTuple):
    """The points one credit earns: `base` from issuance, `bonuses` as (campaign id, points)
    from campaign budgets, in campaign order, none of them 0. `capped` says the daily cap took
    some points away. (A NamedTuple: one is made for every credit.)"""

    base: int
    bonuses: Bonuses = ()
    capped: bool = False

    @property
    def total(self) -> int:
        if not self.bonuses:
            return self.base
        return self.base + sum(points for _, points in self.bonuses)


def award(
    reduction_mg: int,
    *,
    rules: AwardRules,
    awarded_today: int,
    campaigns: Iterable[Campaign],
    budgets_left: Mapping[str, int],
    scenario: str,
    category: str,
    region: str,
    at: datetime,
) -> Award:
    """The points for a credit of `reduction_mg` of `scenario` (in `category`) in `region` at
    `at`, for a citizen who has earned `awarded_today` credit points on the credit's local day.

    `budgets_left` maps a campaign id to the balance of its budget account; a campaign missing
    from it pays no bonus (it has no funded budget).
    """
    if at.utcoffset() is None:
        raise AwardError("the credit's time must carry a time zone")
    if awarded_today < 0:
        raise AwardError(f"points awarded today cannot be negative ({awarded_today})")
    base = rules.points_for(reduction_mg)
    campaigns = list(campaigns)
    if not campaigns and rules.daily_cap is None:
        return Award(base)  # the common case: nothing to match, nothing to cut
    ids = [c.id for c in campaigns]
    if len(set(ids)) != len(ids):
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        raise AwardError(f"campaign(s) listed more than once: {', '.join(repeated)}")
    matching = [c for c in campaigns if matches(c, scenario, category, region, at)]
    if len(matching) > 1:
        matching.sort(key=lambda c: (c.starts_at, c.id))
    wanted = [(c.id, min(c.bonus_for(base), max(budgets_left.get(c.id, 0), 0))) for c in matching]
    room = rules.room(awarded_today)
    if room is None:
        return Award(base, tuple((i, p) for i, p in wanted if p > 0))
    kept_base = min(base, room)
    left = room - kept_base
    # The latest campaigns are cut first, so those that began earlier keep their promise.
    kept: list[tuple[str, int]] = []
    for campaign_id, points in wanted:
        given = min(points, left)
        left -= given
        if given > 0:
            kept.append((campaign_id, given))
    capped = kept_base + sum(p for _, p in kept) < base + sum(p for _, p in wanted)
    return Award(kept_base, tuple(kept), capped)


def _legs(
    base: int,
    bonuses: Bonuses,
    kinds: tuple[str, str],
    *,
    paying: bool,
    citizen_id: str,
    record_id: str,
    leaf_index: int,
    at: datetime | None,
) -> list[Transfer]:
    """The base from (or back to) issuance and each bonus from (or back to) its campaign, all
    naming the record and log leaf and dated `at`, the behaviour's time; `paying` is the
    direction."""
    citizen = citizen_account(citizen_id)
    base_kind, bonus_kind = kinds
    legs: list[tuple[str, str, str, int, str | None]] = [
        (base_kind, f"{base_kind}:{record_id}", ISSUANCE, base, None)
    ]
    if bonuses:
        legs += [
            (bonus_kind, f"{bonus_kind}:{record_id}:{c}", campaign_account(c), points, c)
            for c, points in bonuses
        ]
    # Positional, in field order: one of these is made for every credit.
    return [
        Transfer(
            key,
            kind,
            source if paying else citizen,
            citizen if paying else source,
            amount,
            leaf_index,
            record_id,
            ref,
            None,
            at,
        )
        for kind, key, source, amount, ref in legs
        if amount > 0
    ]


def award_transfers(
    awarded: Award,
    *,
    citizen_id: str,
    record_id: str,
    leaf_index: int,
    at: datetime | None = None,
) -> list[Transfer]:
    """The transfers that pay an award, each traceable to the credit's record and log leaf,
    dated `at`, when the behaviour happened (the points flow counts them then)."""
    return _legs(
        awarded.base,
        awarded.bonuses,
        ("award", "bonus"),
        paying=True,
        citizen_id=citizen_id,
        record_id=record_id,
        leaf_index=leaf_index,
        at=at,
    )


@dataclass(frozen=True, slots=True)
class Clawback:
    """What a reversal takes back: `base` to issuance, `bonuses` to their campaigns' budgets.
    `shortfall` is what the citizen had already spent and so could not be taken back."""

    base: int
    bonuses: Bonuses
    shortfall: int

    @property
    def total(self) -> int:
        return self.base + sum(points for _, points in self.bonuses)


def clawback(awarded: Award, balance: int) -> Clawback:
    """Take back what a reversed credit was awarded, never more than the citizen's `balance`
    (a citizen account never goes negative). The base is taken back first, since it is what the
    reversal leaf withdraws from issuance; then the bonuses, in campaign order."""
    left = max(balance, 0)
    base = min(awarded.base, left)
    left -= base
    bonuses: list[tuple[str, int]] = []
    for campaign_id, points in awarded.bonuses:
        taken = min(points, left)
        left -= taken
        if taken > 0:
            bonuses.append((campaign_id, taken))
    shortfall = awarded.total - base - sum(points for _, points in bonuses)
    return Clawback(base, tuple(bonuses), shortfall)


def clawback_transfers(
    taken: Clawback,
    *,
    citizen_id: str,
    record_id: str,
    leaf_index: int,
    at: datetime | None = None,
) -> list[Transfer]:
    """The transfers of a clawback, naming the reversal's log leaf, dated `at` like the award
    they take back."""
    return _legs(
        taken.base,
        taken.bonuses,
        ("clawback", "bonus_clawback"),
        paying=False,
        citizen_id=citizen_id,
        record_id=record_id,
        leaf_index=leaf_index,
        at=at,
    )
