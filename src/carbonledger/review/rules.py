"""What makes a credit worth a second look (复核). Pure.

A credit is flagged when
- `capped`: it reached the citizen's daily cap for the scenario — a partner reporting more than
  anyone may be credited in a day is a partner to check;
- `near_bound`: the behaviour was accepted as plausible but lies in the outer tenth of a bound —
  average speed or power, duration, quantity per record or an item's embodied emissions (a 28
  km/h average on a 3–30 km/h bicycle, a 45 km ride of at most 50);
- `operator`: an operator flagged it by hand (a complaint, a partner's correction), with a note.

Scenarios whose quantity is always exactly 1 have no quantity to be near a bound of.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from carbonledger.methodology.catalogue import Scenario

REASONS = ("capped", "near_bound", "operator")
_NEAR_TENTHS = 9  # the outer tenth: at least 9/10 of a maximum, at most 11/10 of a minimum
_MILLI = 1000
_SECONDS_PER_HOUR = 3600


@dataclass(frozen=True, slots=True)
class Flag:
    """Why a credit was flagged, and the figures that made it so (e.g. `28.4 km/h / max 30`)."""

    reasons: tuple[str, ...]
    detail: str


def _near_max(value: float, bound: float) -> bool:
    return value * 10 >= bound * _NEAR_TENTHS


def _near_min(value: float, bound: float) -> bool:
    return value * 10 <= bound * (20 - _NEAR_TENTHS)


def _figure(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def _pace_notes(scenario: Scenario, quantity_milli: int, seconds: float) -> list[str]:
    notes = []
    minutes = seconds / 60
    if scenario.max_minutes is not None and _near_max(minutes, scenario.max_minutes):
        notes.append(f"{_figure(minutes)} min / max {_figure(scenario.max_minutes)}")
    if seconds <= 0:
        return notes
    per_hour = quantity_milli / _MILLI / (seconds / _SECONDS_PER_HOUR)
    unit = f"{scenario.unit}/h" if scenario.max_power_kw is None else "kW"
    highest = scenario.max_speed_kmh or scenario.max_power_kw
    if highest is not None and _near_max(per_hour, highest):
        notes.append(f"{_figure(per_hour)} {unit} / max {_figure(highest)}")
    if scenario.min_speed_kmh is not None and _near_min(per_hour, scenario.min_speed_kmh):
        notes.append(f"{_figure(per_hour)} {unit} / min {_figure(scenario.min_speed_kmh)}")
    return notes


def near_bound_notes(
    scenario: Scenario,
    quantity_milli: int,
    occurred_at: datetime,
    ended_at: datetime | None,
    embodied_mg: int | None,
) -> list[str]:
    """The bounds a plausible record comes close to, each with its figure and the bound."""
    notes = []
    top = scenario.max_quantity_milli
    if not scenario.exactly_one and top is not None and _near_max(quantity_milli, top):
        notes.append(
            f"{_figure(quantity_milli / _MILLI)} {scenario.unit} / max {_figure(top / _MILLI)}"
        )
    if ended_at is not None:
        notes += _pace_notes(scenario, quantity_milli, (ended_at - occurred_at).total_seconds())
    if (
        embodied_mg is not None
        and scenario.max_embodied_g is not None
        and _near_max(embodied_mg, scenario.max_embodied_g * _MILLI)
    ):
        notes.append(
            f"{_figure(embodied_mg / _MILLI)} g embodied / max {_figure(scenario.max_embodied_g)}"
        )
    return notes


def flag_for(
    scenario: Scenario,
    quantity_milli: int,
    occurred_at: datetime,
    ended_at: datetime | None,
    embodied_mg: int | None,
    *,
    capped: bool,
) -> Flag | None:
    """The flag a new credit earns, or None when nothing about it stands out."""
    notes = near_bound_notes(scenario, quantity_milli, occurred_at, ended_at, embodied_mg)
    reasons = tuple(
        reason for reason, applies in (("capped", capped), ("near_bound", bool(notes))) if applies
    )
    if not reasons:
        return None
    if capped:
        unit = "records" if scenario.cap_counts_records else scenario.unit
        notes.insert(0, f"daily cap {_figure(scenario.daily_cap_milli / _MILLI)} {unit}")
    return Flag(reasons, "; ".join(notes))
