"""A partner's record (PARTNER_API.md §2) and its validation. Pure.

Validation reports every problem of a record at once, so a partner fixes a batch in one pass.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from carbonledger.ingest.results import FieldError
from carbonledger.methodology.catalogue import Catalogue, Scenario

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
_REGION = re.compile(r"^\d{6}$")
FIELDS = frozenset(
    {"external_id", "user", "scenario", "occurred_at", "ended_at", "quantity", "region", "evidence"}
)
_MAX_QUANTITY = 1_000_000_000
_MAX_ID = 128


class Record(NamedTuple):
    """A well-formed record; quantities in integer milli-units."""

    external_id: str
    user: str
    scenario: str
    occurred_at: datetime
    ended_at: datetime | None
    quantity: float
    quantity_milli: int
    region: str | None
    evidence_key: str | None
    embodied_mg: int | None
    content_hash: bytes


@dataclass(frozen=True, slots=True)
class Invalid:
    """A record that cannot be processed: `reason` is `invalid_field` or `unknown_scenario`."""

    external_id: str | None
    reason: str
    errors: tuple[FieldError, ...]
    content_hash: bytes | None
    user: str | None = None  # the partner's user, when it could be read: their ledger shows it


def content_hash(raw: Any) -> bytes:
    """A fingerprint of a record as sent, to tell a retry from a reused external_id."""
    return _fingerprint(raw)[0]


def _fingerprint(raw: Any) -> tuple[bytes, bool]:
    """The record's content hash, and whether all its text is valid Unicode."""
    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        return hashlib.sha256(text.encode("utf-8")).digest(), True
    except UnicodeEncodeError:
        # The same bytes as UTF-8 for any valid text, and no failure on a lone surrogate (a
        # record holding one is refused, but still fingerprinted).
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), False


def unicode_problem(value: Any, where: str = "") -> str | None:
    """Where in a parsed JSON value a string (or key) holds a lone surrogate such as the escape
    \\ud800, which JSON allows but no UTF-8 text can hold; None when there is none."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return where or "the value"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            place = f"{where}.{key}" if where else str(key)
            if (problem := unicode_problem(key, where or "a key")) is not None:
                return problem
            if (problem := unicode_problem(item, place)) is not None:
                return problem
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (problem := unicode_problem(item, f"{where}[{index}]")) is not None:
                return problem
    return None


def printable(text: str) -> str:
    """`text` with any lone surrogate written as its escape, so it can be stored and shown."""
    return text.encode("utf-8", "backslashreplace").decode()


def _text(raw: dict[str, Any], name: str, errors: list[FieldError]) -> str | None:
    value = raw.get(name)
    if not isinstance(value, str) or not 1 <= len(value) <= _MAX_ID:
        errors.append(FieldError(name, f"must be a string of 1 to {_MAX_ID} characters"))
        return None
    return value


def _instant(raw: dict[str, Any], name: str, errors: list[FieldError]) -> datetime | None:
    value = raw.get(name)
    if not isinstance(value, str) or not _RFC3339.match(value):
        errors.append(
            FieldError(
                name, "must be an RFC 3339 time with an offset, e.g. 2026-11-01T08:20:03+08:00"
            )
        )
        return None
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError:
        errors.append(FieldError(name, f"{value!r} is not a real date and time"))
        return None


def _quantity(raw: dict[str, Any], errors: list[FieldError]) -> tuple[float, int] | None:
    value = raw.get("quantity")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.append(FieldError("quantity", "must be a number"))
        return None
    if value <= 0:
        errors.append(FieldError("quantity", "must be greater than 0"))
        return None
    if value > _MAX_QUANTITY:
        errors.append(FieldError("quantity", f"must be at most {_MAX_QUANTITY}"))
        return None
    milli = round(value * 1000)
    if milli == 0:
        errors.append(FieldError("quantity", "must be at least 0.001"))
        return None
    return float(value), milli


def _check_trip(
    raw: dict[str, Any],
    scenario: Scenario,
    occurred_at: datetime | None,
    ended_at: datetime | None,
    errors: list[FieldError],
) -> None:
    if raw.get("ended_at") is None:
        errors.append(FieldError("ended_at", f"is required for {scenario.code} (a trip)"))
    elif occurred_at and ended_at and ended_at <= occurred_at:
        errors.append(FieldError("ended_at", "must be later than occurred_at"))


def _evidence_key(
    evidence: dict[str, Any], scenario: Scenario, errors: list[FieldError]
) -> str | None:
    key = evidence.get("key")
    if isinstance(key, str) and 1 <= len(key) <= _MAX_ID:
        return key
    errors.append(
        FieldError(
            "evidence.key",
            f"is required for {scenario.code}: the order id, serial number or pickup id "
            "(1 to 128 characters)",
        )
    )
    return None


def _embodied_mg(evidence: dict[str, Any], errors: list[FieldError]) -> int | None:
    embodied = evidence.get("embodied_g")
    if (
        not isinstance(embodied, bool)
        and isinstance(embodied, int | float)
        and math.isfinite(embodied)
        and embodied > 0
    ):
        return round(embodied * 1000)
    errors.append(
        FieldError(
            "evidence.embodied_g",
            "is required for secondhand: the item's production-phase emissions in grams, "
            "greater than 0",
        )
    )
    return None


def validate(raw: Any, catalogue: Catalogue) -> Record | Invalid:
    """Check one record; return it in integer units, or every problem found."""
    if not isinstance(raw, dict):
        return Invalid(
            None, "invalid_field", (FieldError("", "a record must be a JSON object"),), None
        )
    fingerprint, unicode = _fingerprint(raw)
    if not unicode:
        place = unicode_problem(raw) or "the record"
        problem = FieldError(
            printable(place), "must be valid Unicode text; a lone surrogate such as \\ud800 is not"
        )
        named = raw.get("external_id")
        external_id = printable(named) if isinstance(named, str) else None
        return Invalid(external_id, "invalid_field", (problem,), fingerprint)
    errors: list[FieldError] = []
    errors.extend(
        FieldError(name, "is not a field of a record") for name in sorted(set(raw) - FIELDS)
    )
    external_id = _text(raw, "external_id", errors)
    user = _text(raw, "user", errors)
    scenario_code = raw.get("scenario")
    if not isinstance(scenario_code, str) or not scenario_code:
        errors.append(FieldError("scenario", "must be a scenario code from GET /api/v1/scenarios"))
        scenario_code = None
    occurred_at = _instant(raw, "occurred_at", errors)
    ended_at = _instant(raw, "ended_at", errors) if raw.get("ended_at") is not None else None
    quantity = _quantity(raw, errors)
    region = raw.get("region")
    if region is not None and (not isinstance(region, str) or not _REGION.match(region)):
        errors.append(FieldError("region", "must be a 6-digit administrative division code"))
    evidence = raw.get("evidence")
    if evidence is not None and not isinstance(evidence, dict):
        errors.append(FieldError("evidence", "must be an object"))
        evidence = None
    evidence = evidence or {}

    scenario = catalogue.scenario(scenario_code) if scenario_code else None
    evidence_key: str | None = None
    embodied_mg: int | None = None
    if scenario is not None:
        if scenario.dedupe_class == "interval":
            _check_trip(raw, scenario, occurred_at, ended_at, errors)
        if scenario.dedupe_class == "evidence_key":
            evidence_key = _evidence_key(evidence, scenario, errors)
        if scenario.needs_embodied:
            embodied_mg = _embodied_mg(evidence, errors)

    if errors:
        return Invalid(external_id, "invalid_field", tuple(errors), fingerprint, user)
    if scenario is None:
        return Invalid(
            external_id,
            "unknown_scenario",
            (
                FieldError(
                    "scenario", f"{scenario_code!r} is not in the catalogue (GET /api/v1/scenarios)"
                ),
            ),
            fingerprint,
            user,
        )
    assert external_id is not None
    assert user is not None
    assert occurred_at is not None
    assert quantity is not None
    return Record(
        external_id=external_id,
        user=user,
        scenario=scenario.code,
        occurred_at=occurred_at,
        ended_at=ended_at,
        quantity=quantity[0],
        quantity_milli=quantity[1],
        region=region,
        evidence_key=evidence_key,
        embodied_mg=embodied_mg,
        content_hash=fingerprint,
    )
