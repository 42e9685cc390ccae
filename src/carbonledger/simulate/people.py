"""Who the synthetic city's people are: each citizen's district, commute, step counters, habits
and engagement level, drawn from the city's seed. Pure."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Districts of one city (Beijing's codes), weighted roughly by population.
DISTRICTS = (
    ("110105", 5),
    ("110108", 5),
    ("110102", 2),
    ("110101", 1),
    ("110106", 3),
    ("110114", 3),
    ("110112", 2),
    ("110115", 3),
)
_MODES = (("cycling", 40), ("metro", 35), ("bus", 25))


@dataclass(frozen=True, slots=True)
class Engagement:
    """How often one kind of participant takes part: its share of the registered citizens and
    the chance that one of them acts on a weekday and on a weekend day."""

    name: str
    share: float
    weekday: float
    weekend: float

    def chance(self, weekend: bool) -> float:
        return self.weekend if weekend else self.weekday


ENGAGEMENT = (
    Engagement("core", 0.025, 0.95, 0.8),
    Engagement("regular", 0.1, 0.25, 0.15),
    Engagement("occasional", 0.875, 0.008, 0.005),
)
CORE, REGULAR = ENGAGEMENT[0], ENGAGEMENT[1]
# Citizen 0 is the demo's own login: part of the core, so its account has something to show.
DEMO_CITIZEN = 0


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


@dataclass(frozen=True, slots=True)
class Habits:
    """What one synthetic citizen does."""

    mode: str
    district: str
    commute_km: float
    counters: tuple[str, ...]
    map_app: str | None
    orders_per_week: int
    engagement: Engagement


def _engagement(draw: float) -> Engagement:
    for level in ENGAGEMENT:
        if draw < level.share:
            return level
        draw -= level.share
    return ENGAGEMENT[-1]


def habits(seed: int, citizen: int) -> Habits:
    rng = random.Random(seed * 1_000_003 + citizen)
    counters = (
        ("steps-a", "steps-b") if rng.random() < 0.3 else (rng.choice(("steps-a", "steps-b")),)
    )
    return Habits(
        mode=_pick(rng, _MODES),
        district=_pick(rng, DISTRICTS),
        commute_km=round(rng.uniform(1.5, 9.0), 1),
        counters=counters,
        map_app=rng.choice(("maps-a", "maps-b")) if rng.random() < 0.5 else None,
        orders_per_week=rng.randint(0, 7),
        engagement=CORE if citizen == DEMO_CITIZEN else _engagement(rng.random()),
    )
