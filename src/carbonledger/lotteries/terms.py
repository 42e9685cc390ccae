"""A lottery's terms as the operator sets them, and which credits earn entries. Pure.

Prize ids are `<merchant>:<position>` (from 1), so the published terms digest also binds each
prize to the merchant that gives it. Entry ids say where an entry came from: `credit:<tag>`
for one earned by a credited record (the tag is keyed by the citizen's secret, so the entry list
cannot be joined to the log's leaves), `bought:<random id>` for one bought with points.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from carbonledger.points.lottery import Prize

# A lottery opens when it is published; a little drift between the operator's clock and ours
# is allowed, but not a window reaching back to credits made before the commitment.
_OPENS_SLACK = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class PrizeTerms:
    """`count` prizes named `name`, given by the merchant partner `merchant`."""

    merchant: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class LotteryTerms:
    """What the operator decides when creating a lottery."""

    name_zh: str
    name_en: str
    scenario: str | None
    daily_entries: int
    entry_price: int | None
    opens_at: datetime
    closes_at: datetime
    one_per_account: bool
    prizes: tuple[PrizeTerms, ...]

    def problems(self, now: datetime, scenarios: Collection[str]) -> list[str]:
        """Every reason these terms cannot make a lottery (empty when they can)."""
        found = []
        if not self.name_zh.strip() or not self.name_en.strip():
            found.append("a lottery needs a Chinese and an English name")
        if self.scenario is not None and self.scenario not in scenarios:
            found.append(f"no scenario has the code {self.scenario!r}")
        if self.scenario is None and self.entry_price is None:
            found.append(
                "entries need a way in: a scenario whose credits earn them, a price, or both"
            )
        if self.daily_entries < 1:
            found.append("daily_entries must be at least 1")
        if self.entry_price is not None and self.entry_price < 1:
            found.append("entry_price must be at least 1 point (or null: not for sale)")
        if self.opens_at.tzinfo is None or self.closes_at.tzinfo is None:
            found.append("opens_at and closes_at need a time zone offset")
            return found
        if self.opens_at < now - _OPENS_SLACK:
            found.append("opens_at lies in the past; a lottery opens when it is published")
        if self.closes_at <= max(self.opens_at, now):
            found.append("closes_at must be later than opens_at and than now")
        if not self.prizes:
            found.append("a lottery needs at least one prize")
        for number, prize in enumerate(self.prizes, 1):
            if not prize.name.strip():
                found.append(f"prize {number} needs a name")
            if prize.count < 1:
                found.append(f"prize {number} needs a count of at least 1")
        return found

    def core_prizes(self) -> tuple[Prize, ...]:
        """The prizes as the draw rule and the terms digest see them, in published order."""
        return tuple(
            Prize(prize_id(prize.merchant, number), prize.name.strip(), prize.count)
            for number, prize in enumerate(self.prizes, 1)
        )


def prize_id(merchant: str, position: int) -> str:
    return f"{merchant}:{position}"


def earned_entry_id(record_id: str) -> str:
    return f"credit:{record_id}"


def bought_entry_id(unique: str) -> str:
    return f"bought:{unique}"


@dataclass(frozen=True, slots=True)
class Credit:
    """A credited record of the lottery's scenario inside its window, and its holder."""

    record_id: str
    citizen_id: str
    day: date
    account: str


def earned_entries(credits: Iterable[Credit], per_day: int) -> list[Credit]:
    """The credits that earn an entry: each citizen's first `per_day` of each local day, in the
    order given (the repository gives them by time)."""
    used: Counter[tuple[str, date]] = Counter()
    earned = []
    for credit in credits:
        key = (credit.citizen_id, credit.day)
        if used[key] < per_day:
            used[key] += 1
            earned.append(credit)
    return earned
