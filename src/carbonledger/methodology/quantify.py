"""Quantification (量化) and plausibility (合理性) of one behaviour. Pure and integer:
quantities in milli-units, factors in micrograms per unit, reductions in milligrams, rounded
down so a credit never overstates.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from carbonledger.methodology.catalogue import Scenario, Version

_MILLI = 1000
_PER_MILLION = 1_000_000
_SECONDS_PER_HOUR = 3600


def methodology_name(code: str, version: Version) -> str:
    """How a credit names its quantification, e.g. `cycling@2022-08`."""
    return f"{code}@{version.id}"


def reduction_mg(version: Version, quantity_milli: int, embodied_mg: int | None = None) -> int:
    """Milligrams CO2e for `quantity_milli` of the scenario under `version`."""
    if version.factor_ug is not None:
        # milli-units × µg/unit = 10⁻⁹ g = 10⁻⁶ mg
        return quantity_milli * version.factor_ug // _PER_MILLION
    if version.rate_ppm is None or embodied_mg is None:
        raise ValueError(f"{version.scenario}@{version.id} needs the item's embodied emissions")
    # items × embodied mg × rate
    return quantity_milli * embodied_mg * version.rate_ppm // (_MILLI * _PER_MILLION)


def _quantity_problem(scenario: Scenario, quantity_milli: int, embodied_mg: int | None) -> bool:
    return (
        (scenario.exactly_one and quantity_milli != _MILLI)
        or (
            scenario.min_quantity_milli is not None and quantity_milli < scenario.min_quantity_milli
        )
        or (
            scenario.max_quantity_milli is not None and quantity_milli > scenario.max_quantity_milli
        )
        or (
            scenario.max_embodied_g is not None
            and embodied_mg is not None
            and embodied_mg > scenario.max_embodied_g * _MILLI
        )
    )


def _pace_problem(scenario: Scenario, quantity_milli: int, seconds: float) -> str | None:
    """Duration, average speed or average power out of bounds."""
    too_short = scenario.min_minutes is not None and seconds < scenario.min_minutes * 60
    too_long = scenario.max_minutes is not None and seconds > scenario.max_minutes * 60
    if too_short or too_long:
        return "implausible_duration"
    hours = seconds / _SECONDS_PER_HOUR
    per_hour = quantity_milli / _MILLI / hours if hours > 0 else float("inf")
    lowest = scenario.min_speed_kmh
    highest = (
        scenario.max_speed_kmh if scenario.max_speed_kmh is not None else scenario.max_power_kw
    )
    if (lowest is not None and per_hour < lowest) or (highest is not None and per_hour > highest):
        return "implausible_speed"
    return None


# No interval behaviour (a trip, a charging session) lasts longer than a day: a longer one is
# implausible whatever its scenario, and dedupe relies on it to look only near a claim.
LONGEST_INTERVAL = timedelta(days=1)


def check_plausibility(
    scenario: Scenario,
    quantity_milli: int,
    occurred_at: datetime,
    ended_at: datetime | None,
    embodied_mg: int | None,
) -> str | None:
    """The reason a record is implausible, or None."""
    if _quantity_problem(scenario, quantity_milli, embodied_mg):
        return "implausible_quantity"
    if ended_at is None:
        return None
    if ended_at - occurred_at > LONGEST_INTERVAL:
        return "implausible_duration"
    return _pace_problem(scenario, quantity_milli, (ended_at - occurred_at).total_seconds())


def apply_cap(used_milli: int, requested_milli: int, cap_milli: int) -> tuple[int, bool]:
    """What may be credited of `requested_milli` when `used_milli` of the daily cap is used:
    (credited, capped)."""
    room = max(cap_milli - used_milli, 0)
    credited = min(requested_milli, room)
    return credited, credited < requested_milli


def daily_total_credit(highest_milli: int, reported_total_milli: int, cap_milli: int) -> int:
    """The rise of a daily running total over the highest already credited (may be ≤ 0)."""
    return min(reported_total_milli, cap_milli) - highest_milli
