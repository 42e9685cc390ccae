"""The methodology catalogue (减排量化方法学): scenarios, their versions and factors with
provenance, caps and plausibility bounds, loaded from the package's `catalogue.toml` plus the
versions the operator has published since. Pure.

A record is quantified by the version of its scenario in force on its local day
(`effective_from` ≤ day), named `code@version`, so that publishing a new factor changes only
records that occur on or after its effective date.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

DEDUPE_CLASSES = ("interval", "daily_total", "evidence_key", "per_day_count", "once_per_day")
STATUSES = ("sourced", "derived", "provisional")
_MILLI = 1000
_UG_PER_G = 1_000_000


class CatalogueError(ValueError):
    """The catalogue data is malformed; the message names the scenario and field."""


@dataclass(frozen=True, slots=True)
class Version:
    """One published quantification of a scenario, in force from `effective_from`."""

    scenario: str
    id: str
    effective_from: date
    status: str
    provenance: str
    factor_ug: int | None = None
    rate_ppm: int | None = None
    derivation: str | None = None

    def to_public(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "effective_from": self.effective_from.isoformat(),
            "status": self.status,
            "provenance": self.provenance,
        }
        if self.factor_ug is not None:
            body["factor_g"] = self.factor_ug / _UG_PER_G
        if self.rate_ppm is not None:
            body["embodied_rate"] = self.rate_ppm / 1_000_000
        if self.derivation:
            body["derivation"] = self.derivation
        return body


@dataclass(frozen=True, slots=True)
class Scenario:
    """A green behaviour the platform credits, with its unit, dedupe class, cap and bounds."""

    code: str
    name_zh: str
    name_en: str
    category: str
    category_zh: str
    unit: str
    unit_zh: str
    dedupe_class: str
    daily_cap_milli: int
    versions: tuple[Version, ...]
    dedupe_group: str | None = None
    min_quantity_milli: int | None = None
    max_quantity_milli: int | None = None
    exactly_one: bool = False
    min_speed_kmh: int | None = None
    max_speed_kmh: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    max_power_kw: int | None = None
    needs_embodied: bool = False
    max_embodied_g: int | None = None
    cap_counts_records: bool = False

    def to_public(self) -> dict[str, Any]:
        bounds = {
            name: value
            for name, value in (
                ("min_quantity", _units(self.min_quantity_milli)),
                ("max_quantity", _units(self.max_quantity_milli)),
                ("quantity_exactly", 1 if self.exactly_one else None),
                ("min_speed_kmh", self.min_speed_kmh),
                ("max_speed_kmh", self.max_speed_kmh),
                ("min_minutes", self.min_minutes),
                ("max_minutes", self.max_minutes),
                ("max_power_kw", self.max_power_kw),
                ("max_embodied_g", self.max_embodied_g),
            )
            if value is not None
        }
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "category": self.category,
            "category_zh": self.category_zh,
            "unit": self.unit,
            "unit_zh": self.unit_zh,
            "dedupe_class": self.dedupe_class,
            "dedupe_group": self.dedupe_group,
            "daily_cap": _units(self.daily_cap_milli),
            "daily_cap_unit": "records" if self.cap_counts_records else self.unit,
            "bounds": bounds,
            "versions": [v.to_public() for v in self.versions],
        }


def _units(milli: int | None) -> float | int | None:
    if milli is None:
        return None
    return milli // _MILLI if milli % _MILLI == 0 else milli / _MILLI


_SCENARIO_FIELDS = {f for f in Scenario.__dataclass_fields__ if f != "versions"}
_VERSION_FIELDS = {f for f in Version.__dataclass_fields__ if f != "scenario"}


def _version(code: str, raw: dict[str, Any]) -> Version:
    unknown = set(raw) - _VERSION_FIELDS
    if unknown:
        raise CatalogueError(f"scenario {code}: unknown version field(s) {sorted(unknown)}")
    try:
        version = Version(scenario=code, **raw)
    except TypeError as error:
        raise CatalogueError(f"scenario {code}: version {raw.get('id')!r}: {error}") from None
    check_version(version)
    return version


def check_version(version: Version) -> None:
    """Refuse a version that cannot quantify anything."""
    where = f"scenario {version.scenario} version {version.id!r}"
    if version.status not in STATUSES:
        raise CatalogueError(f"{where}: status must be one of {', '.join(STATUSES)}")
    if (version.factor_ug is None) == (version.rate_ppm is None):
        raise CatalogueError(f"{where}: give exactly one of factor_ug or rate_ppm")
    if (version.factor_ug or 0) < 0 or (version.rate_ppm or 0) < 0:
        raise CatalogueError(f"{where}: factors cannot be negative")
    if not isinstance(version.effective_from, date):
        raise CatalogueError(f"{where}: effective_from must be a date")


def _scenario(raw: dict[str, Any]) -> Scenario:
    code = raw.get("code", "?")
    unknown = set(raw) - _SCENARIO_FIELDS - {"versions"}
    if unknown:
        raise CatalogueError(f"scenario {code}: unknown field(s) {sorted(unknown)}")
    versions = tuple(
        sorted((_version(code, v) for v in raw.get("versions", ())), key=lambda v: v.effective_from)
    )
    if not versions:
        raise CatalogueError(f"scenario {code}: needs at least one version")
    fields = {k: v for k, v in raw.items() if k != "versions"}
    try:
        scenario = Scenario(versions=versions, **fields)
    except TypeError as error:
        raise CatalogueError(f"scenario {code}: {error}") from None
    if scenario.dedupe_class not in DEDUPE_CLASSES:
        raise CatalogueError(f"scenario {code}: dedupe_class must be one of {DEDUPE_CLASSES}")
    if (scenario.dedupe_class == "interval") != (scenario.dedupe_group is not None):
        raise CatalogueError(
            f"scenario {code}: interval scenarios, and only they, name a dedupe_group"
        )
    if scenario.needs_embodied != any(v.rate_ppm is not None for v in versions):
        raise CatalogueError(f"scenario {code}: embodied-rate versions go with needs_embodied")
    return scenario


@dataclass(frozen=True)
class Catalogue:
    """Every scenario, in the order of METHODOLOGY.md."""

    scenarios: tuple[Scenario, ...]
    _by_code: dict[str, Scenario] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_code.update({s.code: s for s in self.scenarios})

    @classmethod
    def load(cls, extra_versions: Iterable[Version] = ()) -> Catalogue:
        """The package's catalogue plus versions published since (from the database)."""
        text = resources.files(__package__).joinpath("catalogue.toml").read_text("utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise CatalogueError(f"catalogue.toml: {error}") from None
        scenarios = [_scenario(raw) for raw in data.get("scenario", ())]
        extra: dict[str, list[Version]] = {}
        for version in extra_versions:
            check_version(version)
            extra.setdefault(version.scenario, []).append(version)
        known = {s.code for s in scenarios}
        if set(extra) - known:
            raise CatalogueError(
                f"versions published for unknown scenario(s) {sorted(set(extra) - known)}"
            )
        merged = tuple(_with_versions(s, extra.get(s.code, [])) for s in scenarios)
        return cls(merged)

    def scenario(self, code: str) -> Scenario | None:
        return self._by_code.get(code)

    def version_at(self, code: str, day: date) -> Version:
        """The version of `code` in force on `day`."""
        scenario = self._by_code[code]
        chosen = None
        for version in scenario.versions:
            if version.effective_from <= day:
                chosen = version
        if chosen is None:
            raise CatalogueError(
                f"scenario {code} has no version in force on {day.isoformat()} "
                f"(the first is from {scenario.versions[0].effective_from})"
            )
        return chosen

    def to_public(self) -> list[dict[str, Any]]:
        return [s.to_public() for s in self.scenarios]


def _with_versions(scenario: Scenario, extra: list[Version]) -> Scenario:
    if not extra:
        return scenario
    ids = {v.id for v in scenario.versions}
    for version in extra:
        if version.id in ids:
            raise CatalogueError(f"scenario {scenario.code}: version {version.id!r} exists already")
        ids.add(version.id)
    versions = tuple(sorted((*scenario.versions, *extra), key=lambda v: v.effective_from))
    from dataclasses import replace

    return replace(scenario, versions=versions)
