"""Campaigns (积分活动): time-windowed points multipliers by scenario, category and region, each
paid from its own budget. Pure.

A campaign such as "double points for green travel on the city's car-free day" multiplies the
base points of the credits it matches; the extra points come from the campaign's budget account
(`campaign_account`), which the operator funds from the city's issuance account. When the budget
runs out the campaign pays nothing more and is no longer shown as active.

Matching: the window includes its start and excludes its end; an empty filter matches anything.
Regions are 6-digit administrative division codes (GB/T 2260): a code ending in `0000` names a
province-level division and covers every code with its first two digits, one ending in `00` names
a prefecture-level division and covers its first four, any other code names one county/district.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from carbonledger.points.postings import ISSUANCE, Transfer

NO_BONUS_PERMILLE = 1000  # a multiplier of 1× adds nothing
MAX_MULTIPLIER_PERMILLE = 10_000  # 10×: beyond this is taken for a typo (20000 for 2000)
_CAMPAIGN_ACCOUNT_PREFIX = "campaign:"
_ACCOUNT_ID_LENGTH = 80  # point_accounts.id is String(80)
MAX_ID_LENGTH = _ACCOUNT_ID_LENGTH - len(_CAMPAIGN_ACCOUNT_PREFIX)
_REGION = re.compile(r"^\d{6}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # it names an account and appears in URLs
_PROVINCE_SUFFIX = "0000"
_PREFECTURE_SUFFIX = "00"


class CampaignError(ValueError):
    """A campaign cannot be saved as it stands; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class Campaign:
    """One campaign as the operator set it. `budget` is the points it was funded with; what is
    left is the balance of its budget account."""

    id: str
    name_zh: str
    name_en: str
    starts_at: datetime
    ends_at: datetime
    multiplier_permille: int
    scenarios: frozenset[str]
    categories: frozenset[str]
    regions: frozenset[str]
    budget: int

    def bonus_for(self, base: int) -> int:
        """The extra points on `base`, rounded down, before the budget limit."""
        return max(base, 0) * (self.multiplier_permille - NO_BONUS_PERMILLE) // NO_BONUS_PERMILLE


def campaign_account(campaign_id: str) -> str:
    """The point account a campaign's bonuses are paid from."""
    return f"{_CAMPAIGN_ACCOUNT_PREFIX}{campaign_id}"


def funding_transfer(campaign: Campaign) -> Transfer | None:
    """The funding of a campaign's budget from the city's issuance account (None for a budget of
    0). Its key makes funding a campaign twice a no-op; a later top-up needs a key of its own."""
    if campaign.budget <= 0:
        return None
    return Transfer(
        idempotency_key=f"campaign_budget:{campaign.id}",
        kind="campaign_budget",
        debit=ISSUANCE,
        credit=campaign_account(campaign.id),
        amount=campaign.budget,
        ref=campaign.id,
    )


def in_window(campaign: Campaign, at: datetime) -> bool:
    return campaign.starts_at <= at < campaign.ends_at


def region_covers(code: str, region: str) -> bool:
    """Whether the division `code` names contains `region` (or is it)."""
    if code.endswith(_PROVINCE_SUFFIX):
        return region[:2] == code[:2]
    if code.endswith(_PREFECTURE_SUFFIX):
        return region[:4] == code[:4]
    return region == code


def matches(campaign: Campaign, scenario: str, category: str, region: str, at: datetime) -> bool:
    """Whether a credit of `scenario` (in `category`) in `region` at `at` earns this bonus."""
    return (
        in_window(campaign, at)
        and (not campaign.scenarios or scenario in campaign.scenarios)
        and (not campaign.categories or category in campaign.categories)
        and (not campaign.regions or any(region_covers(c, region) for c in campaign.regions))
    )


def active(
    campaigns: Iterable[Campaign],
    at: datetime,
    budgets_left: Mapping[str, int] | None = None,
) -> list[Campaign]:
    """The campaigns running at `at`, earliest first, as citizens see them. Given the budgets
    left (campaign id → balance of its account), those whose budget has run out are left out."""
    running = [
        c
        for c in campaigns
        if in_window(c, at) and (budgets_left is None or budgets_left.get(c.id, 0) > 0)
    ]
    return sorted(running, key=lambda c: (c.starts_at, c.id))


def problems(
    campaign: Campaign,
    *,
    scenarios: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
) -> list[str]:
    """Every problem with a campaign, so the operator fixes them all at once. With the known
    scenario codes and categories (from the methodology catalogue), unknown ones are reported."""
    found = []
    if len(campaign.id) > MAX_ID_LENGTH or not _ID.fullmatch(campaign.id):
        found.append(
            f"id must be 1 to {MAX_ID_LENGTH} letters, digits, '.', '_' or '-', starting with a "
            f"letter or digit, not {campaign.id!r} ({len(campaign.id)} characters)"
        )
    if not campaign.name_zh.strip() or not campaign.name_en.strip():
        found.append("needs a name in Chinese (name_zh) and in English (name_en)")
    naive = [n for n in ("starts_at", "ends_at") if getattr(campaign, n).utcoffset() is None]
    if naive:
        found.append(f"{' and '.join(naive)} must carry a time zone")
    elif campaign.ends_at <= campaign.starts_at:
        found.append(
            f"ends_at ({campaign.ends_at.isoformat()}) must be after "
            f"starts_at ({campaign.starts_at.isoformat()})"
        )
    if not NO_BONUS_PERMILLE <= campaign.multiplier_permille <= MAX_MULTIPLIER_PERMILLE:
        found.append(
            f"multiplier_permille must be from {NO_BONUS_PERMILLE} (1×) to "
            f"{MAX_MULTIPLIER_PERMILLE} (10×), not {campaign.multiplier_permille}"
            " (2000 doubles the points)"
        )
    if campaign.budget < 0:
        found.append(f"budget must be 0 or more points, not {campaign.budget}")
    bad_regions = sorted(r for r in campaign.regions if not _REGION.match(r))
    if bad_regions:
        found.append(
            f"regions must be 6-digit administrative division codes: {', '.join(bad_regions)}"
        )
    for name, given, known in (
        ("scenario", campaign.scenarios, scenarios),
        ("category", campaign.categories, categories),
    ):
        unknown = sorted(given - set(known)) if known is not None else []
        if unknown:
            found.append(f"unknown {name}(s): {', '.join(unknown)}")
    return found


def check(
    campaign: Campaign,
    *,
    scenarios: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
) -> Campaign:
    """The campaign if it has no problems; otherwise CampaignError listing them all."""
    found = problems(campaign, scenarios=scenarios, categories=categories)
    if found:
        raise CampaignError(f"campaign {campaign.id!r}: " + "; ".join(found))
    return campaign
