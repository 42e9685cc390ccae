"""Publishing a methodology version (发布方法学版本): an operator's draft — a new factor for a
scenario from an effective date, with its status and provenance — checked into a `Version`.
Pure: every problem of the draft is reported at once.

The effective date must come after every day the platform may already have credited (the
service passes the first such day as `earliest`), so publishing changes no credit already made:
records occurring before the date keep the version they were quantified by (DESIGN.md,
invariant 6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from carbonledger.methodology.catalogue import STATUSES, Scenario, Version

_MICRO = 1_000_000
MAX_FACTOR_G = 1_000_000
"""A factor above a tonne CO2e per unit is a typing error, not a behaviour."""
_VERSION_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$")
_MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class Draft:
    """What the operator typed, as text: the form and the JSON route give the same fields."""

    scenario: str
    effective_from: str
    factor: str
    status: str
    provenance: str
    derivation: str = ""
    version_id: str = ""


def micro_units(text: str) -> int | None:
    """A positive decimal with at most six decimals, in millionths (`"0.0164"` → 16400);
    None for anything else."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0:
        return None
    scaled = value * _MICRO
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def _effective(text: str, earliest: date, problems: list[str]) -> date | None:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        problems.append("effective_from: give a date as YYYY-MM-DD")
        return None
    if day < earliest:
        problems.append(
            f"effective_from: must be {earliest.isoformat()} or later — a version cannot change "
            "days that may already be credited"
        )
    return day


def _factor(draft: Draft, scenario: Scenario, problems: list[str]) -> tuple[int | None, int | None]:
    micro = micro_units(draft.factor)
    if scenario.needs_embodied:
        if micro is None or micro > _MICRO:
            problems.append("factor: the embodied rate is a fraction above 0 and at most 1")
        return None, micro
    if micro is None or micro > MAX_FACTOR_G * _MICRO:
        problems.append(
            f"factor: grams CO2e per {scenario.unit}, above 0 and at most {MAX_FACTOR_G:,}, "
            "with at most six decimals"
        )
    return micro, None


def check_draft(
    draft: Draft, scenario: Scenario | None, earliest: date
) -> tuple[Version | None, list[str]]:
    """The version the draft describes, or None and every problem found."""
    problems: list[str] = []
    if scenario is None:
        problems.append(f"scenario: {draft.scenario!r} is not in the catalogue")
    day = _effective(draft.effective_from, earliest, problems)
    if draft.status not in STATUSES:
        problems.append(f"status: one of {', '.join(STATUSES)}")
    provenance, derivation = draft.provenance.strip(), draft.derivation.strip()
    if not provenance:
        problems.append("provenance: name the source (a standard, a platform, a study)")
    if draft.status == "derived" and not derivation:
        problems.append("derivation: a derived factor shows how it was computed")
    if len(provenance) > _MAX_TEXT or len(derivation) > _MAX_TEXT:
        problems.append(f"provenance and derivation: at most {_MAX_TEXT} characters each")
    version_id = draft.version_id.strip() or (day.isoformat() if day else "")
    if version_id and not _VERSION_ID.match(version_id):
        problems.append("version_id: 1-20 characters of letters, digits, '.', '_' and '-'")
    factor_ug, rate_ppm = _factor(draft, scenario, problems) if scenario else (None, None)
    if problems or scenario is None or day is None:
        return None, problems
    version = Version(
        scenario=scenario.code,
        id=version_id,
        effective_from=day,
        status=draft.status,
        provenance=provenance,
        factor_ug=factor_ug,
        rate_ppm=rate_ppm,
        derivation=derivation or None,
    )
    return version, []
