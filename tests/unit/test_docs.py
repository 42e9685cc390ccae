"""The documentation keeps up with the code: every setting is in README's table, and the
methodology catalogue equals the table of docs/METHODOLOGY.md, scenario by scenario."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carbonledger.config import Settings
from carbonledger.methodology.catalogue import Catalogue

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`CARBONLEDGER_{name.upper()}`" in readme, (
            f"README lacks CARBONLEDGER_{name.upper()}"
        )


def _methodology_rows() -> dict[str, list[str]]:
    rows = {}
    for line in (ROOT / "docs" / "METHODOLOGY.md").read_text().splitlines():
        match = re.match(r"^\| `([a-z_]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text.split(maxsplit=1)[0]))


def test_catalogue_and_document_list_the_same_scenarios() -> None:
    codes = [s.code for s in Catalogue.load().scenarios]
    assert codes == list(_methodology_rows())


@pytest.mark.parametrize("code", list(_methodology_rows()))
def test_each_scenario_matches_its_row(code: str) -> None:
    _name, category_zh, unit, dedupe, factor, status, cap, _bounds = _methodology_rows()[code]
    scenario = Catalogue.load().scenario(code)
    assert scenario is not None
    assert scenario.category_zh == category_zh
    assert scenario.unit == unit
    assert dedupe.startswith(scenario.dedupe_class)
    version = scenario.versions[0]
    assert status.startswith(version.status)
    if version.factor_ug is not None:
        assert version.factor_ug / 1_000_000 == pytest.approx(_number(factor))
    else:
        assert "embodied" in factor and version.rate_ppm == 500_000
    assert scenario.daily_cap_milli / 1000 == pytest.approx(_number(cap))
