"""Award rules: how many points a credit earns, and how many a citizen may earn a day. Pure.

Default: one point per gram CO2e, rounded down (Wuhan's 1 pt = 1 g; Ant Forest's 1 g = 1 energy),
and no daily cap. The operator sets both; `awards.award` applies them with the campaigns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class RulesError(ValueError):
    """The operator's award rules cannot be applied; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class AwardRules:
    """The operator's rules for awarding points on credits.

    `mg_per_point`: milligrams CO2e per point (1000 = one point per gram).
    `daily_cap`: the most credit points (base and campaign bonuses together) a citizen can earn
    on one local day; None for no cap.
    """

    mg_per_point: int = 1000
    daily_cap: int | None = None

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise RulesError("; ".join(problems))

    def problems(self) -> list[str]:
        found = []
        if self.mg_per_point <= 0:
            found.append(f"mg_per_point must be a positive whole number, not {self.mg_per_point}")
        if self.daily_cap is not None and self.daily_cap < 0:
            found.append(f"daily_cap must be 0 or more (or none for no cap), not {self.daily_cap}")
        return found

    def points_for(self, reduction_mg: int) -> int:
        """Base points for a reduction, rounded down; before any cap or campaign."""
        return max(reduction_mg, 0) // self.mg_per_point

    def room(self, awarded_today: int) -> int | None:
        """Points a citizen who earned `awarded_today` may still earn today; None if uncapped."""
        if self.daily_cap is None:
            return None
        return max(self.daily_cap - awarded_today, 0)


@dataclass(frozen=True, slots=True)
class RulesVersion:
    """One version of the rules as the operator set it; the default was set by no one."""

    rules: AwardRules
    set_at: datetime | None = None
    set_by: str | None = None
