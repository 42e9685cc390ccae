"""The catalogue: every scenario of METHODOLOGY.md with its factor, versions by date, and the
public form served at /api/v1/scenarios."""

from __future__ import annotations

from datetime import date

import pytest

from carbonledger.methodology.catalogue import Catalogue, CatalogueError, Version

# Factors typed out from METHODOLOGY.md, grams CO2e per unit.
FACTORS_G = {
    "cycling": 51,
    "walking": 0.0164,
    "bus": 80,
    "metro": 46,
    "nev_charging": 369,
    "car_free_day": 3220,
    "etc": 19,
    "no_tableware": 23,
    "clean_plate": 449,
    "clothes_recycling": 1280,
    "returned_box": 37,
    "own_bag": 5,
    "green_appliance": 677.6,
    "garbage_sorting": 30,
    "online_meeting": 50,
    "paperless": 5,
    "e_billing": 20,
}


@pytest.mark.parametrize(("code", "grams"), FACTORS_G.items())
def test_factors_match_the_methodology(code: str, grams: float) -> None:
    version = Catalogue.load().version_at(code, date(2026, 11, 1))
    assert version.factor_ug == round(grams * 1_000_000)
    assert version.provenance


def test_secondhand_uses_the_embodied_rate() -> None:
    scenario = Catalogue.load().scenario("secondhand")
    assert scenario is not None and scenario.needs_embodied
    assert scenario.versions[0].rate_ppm == 500_000


def test_published_versions_apply_from_their_date_only() -> None:
    newer = Version(
        "cycling", "2026-12", date(2026, 12, 1), "sourced", "a new city study", factor_ug=60_000_000
    )
    catalogue = Catalogue.load([newer])
    assert catalogue.version_at("cycling", date(2026, 11, 30)).id == "2022-08"
    assert catalogue.version_at("cycling", date(2026, 12, 1)).id == "2026-12"
    assert catalogue.version_at("walking", date(2026, 12, 1)).id == "2022-08"


def test_no_version_before_the_first() -> None:
    with pytest.raises(CatalogueError, match="no version in force"):
        Catalogue.load().version_at("cycling", date(2020, 1, 1))


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (Version("flying", "x", date(2026, 1, 1), "sourced", "p", factor_ug=1), "unknown scenario"),
        (
            Version("cycling", "2022-08", date(2026, 1, 1), "sourced", "p", factor_ug=1),
            "exists already",
        ),
        (Version("cycling", "x", date(2026, 1, 1), "guessed", "p", factor_ug=1), "status"),
        (Version("cycling", "x", date(2026, 1, 1), "sourced", "p"), "exactly one"),
    ],
)
def test_bad_published_versions_are_refused(version: Version, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        Catalogue.load([version])


def test_public_form_has_what_partners_and_citizens_need() -> None:
    public = {s["code"]: s for s in Catalogue.load().to_public()}
    cycling = public["cycling"]
    assert cycling["unit"] == "km" and cycling["daily_cap"] == 50 and cycling["name_zh"] == "骑行"
    assert cycling["versions"][0] == {
        "id": "2022-08",
        "effective_from": "2022-08-01",
        "status": "sourced",
        "provenance": cycling["versions"][0]["provenance"],
        "factor_g": 51.0,
    }
    assert public["car_free_day"]["versions"][0]["status"] == "provisional"
    assert public["green_appliance"]["daily_cap_unit"] == "records"
