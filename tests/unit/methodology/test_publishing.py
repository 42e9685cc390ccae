"""Checking an operator's draft of a methodology version: factors parsed exactly in millionths,
the effective date after every day that may be credited, every problem reported at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from carbonledger.methodology.catalogue import Catalogue
from carbonledger.methodology.publishing import Draft, check_draft, micro_units

CATALOGUE = Catalogue.load()
EARLIEST = date(2027, 1, 2)
DRAFT = Draft(
    scenario="cycling",
    effective_from="2027-01-02",
    factor="48.5",
    status="sourced",
    provenance="城市交通碳排放核算 2026",
)


@given(st.integers(min_value=1, max_value=10**12))
def test_a_decimal_with_six_places_is_read_exactly(micro: int) -> None:
    text = str(Decimal(micro) / 1_000_000)
    assert micro_units(text) == micro


def test_what_is_not_a_positive_decimal_of_six_places_is_refused() -> None:
    for text in ("", "abc", "0", "-1", "1.0000001", "NaN", "Infinity", "1e400x"):
        assert micro_units(text) is None, text


def test_a_draft_becomes_a_version_named_by_its_date() -> None:
    version, problems = check_draft(DRAFT, CATALOGUE.scenario("cycling"), EARLIEST)
    assert problems == []
    assert version is not None
    assert (version.id, version.effective_from) == ("2027-01-02", date(2027, 1, 2))
    assert version.factor_ug == 48_500_000
    assert version.rate_ppm is None


def test_the_embodied_rate_is_a_fraction() -> None:
    draft = replace(DRAFT, scenario="secondhand", factor="0.4", version_id="v2")
    version, problems = check_draft(draft, CATALOGUE.scenario("secondhand"), EARLIEST)
    assert problems == []
    assert version is not None
    assert (version.rate_ppm, version.factor_ug, version.id) == (400_000, None, "v2")
    _, problems = check_draft(
        replace(draft, factor="1.5"), CATALOGUE.scenario("secondhand"), EARLIEST
    )
    assert any("fraction" in p for p in problems)


def test_every_problem_is_listed() -> None:
    draft = Draft(
        scenario="cycling",
        effective_from="2027-01-01",
        factor="-3",
        status="derived",
        provenance=" ",
        version_id="bad id!",
    )
    version, problems = check_draft(draft, CATALOGUE.scenario("cycling"), EARLIEST)
    assert version is None
    fields = {problem.split(":")[0] for problem in problems}
    assert fields == {"effective_from", "factor", "provenance", "derivation", "version_id"}


def test_an_unknown_scenario_or_date_is_named() -> None:
    draft = replace(DRAFT, scenario="flying", effective_from="next week")
    version, problems = check_draft(draft, None, EARLIEST)
    assert version is None
    assert {problem.split(":")[0] for problem in problems} == {"scenario", "effective_from"}
