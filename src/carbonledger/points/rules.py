"""Award rules: how many points a credit earns. Pure.

Default: one point per gram CO2e, rounded down (Wuhan's 1 pt = 1 g; Ant Forest's 1 g = 1 energy).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AwardRules:
    """The operator's rules for awarding points on credits."""

    mg_per_point: int = 1000

    def points_for(self, reduction_mg: int) -> int:
        return max(reduction_mg, 0) // self.mg_per_point
