"""Integer quantification, plausibility bounds and cap arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.methodology.catalogue import Catalogue
from carbonledger.methodology.quantify import (
    apply_cap,
    check_plausibility,
    daily_total_credit,
    methodology_name,
    reduction_mg,
)

CATALOGUE = Catalogue.load()
DAY = date(2026, 11, 1)
START = datetime(2026, 11, 1, 8, tzinfo=UTC)


def _version(code: str):
    return CATALOGUE.version_at(code, DAY)


def _scenario(code: str):
    found = CATALOGUE.scenario(code)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("code", "quantity_milli", "embodied_mg", "expected_mg"),
    [
        ("walking", 500_000, None, 8_200),  # 500 steps = 8.2 g (Luzhou)
        ("cycling", 4_200, None, 214_200),  # 4.2 km × 51 g
        ("green_appliance", 100_000, None, 67_760_000),
        ("secondhand", 1_000, 20_000_000, 10_000_000),  # one 20 kg-CO2e item × 0.5
        ("cycling", 1, None, 51),  # rounded down, never up
    ],
)
def test_reduction_examples(
    code: str, quantity_milli: int, embodied_mg: int | None, expected_mg: int
) -> None:
    assert reduction_mg(_version(code), quantity_milli, embodied_mg) == expected_mg


def test_methodology_names_the_version() -> None:
    assert methodology_name("cycling", _version("cycling")) == "cycling@2022-08"


def test_secondhand_needs_its_embodied_emissions() -> None:
    with pytest.raises(ValueError, match="embodied"):
        reduction_mg(_version("secondhand"), 1000)


@pytest.mark.parametrize(
    ("code", "quantity_milli", "minutes", "embodied_mg", "reason"),
    [
        ("cycling", 4_000, 20, None, None),
        ("cycling", 50, 1, None, "implausible_quantity"),  # under 0.1 km
        ("cycling", 60_000, 300, None, "implausible_quantity"),  # over 50 km
        ("cycling", 10_000, 10, None, "implausible_speed"),  # 60 km/h
        ("cycling", 1_000, 60, None, "implausible_speed"),  # 1 km/h
        ("bus", 1_000, 30, None, None),
        ("bus", 2_000, 30, None, "implausible_quantity"),
        ("metro", 1_000, 0.5, None, "implausible_duration"),
        ("metro", 1_000, 241, None, "implausible_duration"),
        ("nev_charging", 100_000, 30, None, "implausible_speed"),  # 200 kW
        ("nev_charging", 40_000, 30, None, None),
        ("walking", 100_001_000, None, None, "implausible_quantity"),
        ("secondhand", 1_000, None, 500_001_000, "implausible_quantity"),
        ("clean_plate", 2_000, None, None, "implausible_quantity"),
    ],
)
def test_plausibility(
    code: str,
    quantity_milli: int,
    minutes: float | None,
    embodied_mg: int | None,
    reason: str | None,
) -> None:
    ended = START + timedelta(minutes=minutes) if minutes is not None else None
    assert check_plausibility(_scenario(code), quantity_milli, START, ended, embodied_mg) == reason


@given(st.integers(0, 10**6), st.lists(st.integers(1, 10**5), max_size=30))
def test_caps_never_exceeded(cap: int, requests: list[int]) -> None:
    used = 0
    for requested in requests:
        credited, capped = apply_cap(used, requested, cap)
        assert 0 <= credited <= requested
        assert capped == (credited < requested)
        used += credited
        assert used <= cap
    assert used == min(sum(requests), cap)


def test_daily_total_credit_is_the_rise_below_the_cap() -> None:
    assert daily_total_credit(5_000, 8_000, 30_000) == 3_000
    assert daily_total_credit(29_000, 40_000, 30_000) == 1_000
    assert daily_total_credit(8_000, 5_000, 30_000) == -3_000
