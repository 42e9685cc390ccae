"""Names pages show for codes, in the page's language: scenarios (from the methodology
catalogue) and the city's districts (`region.<code>` texts in messages/dashboard.toml)."""

from __future__ import annotations

from carbonledger.methodology.catalogue import Catalogue
from carbonledger.web.base import i18n


def scenario_names(catalogue: Catalogue, language: str) -> dict[str, str]:
    return {s.code: s.name_zh if language == "zh" else s.name_en for s in catalogue.scenarios}


def region_names(language: str) -> dict[str, str]:
    return {
        key.removeprefix("region."): text
        for key, text in i18n.messages()[language].items()
        if key.startswith("region.")
    }


def districts(city: str, language: str) -> dict[str, str]:
    """The districts of the city `city` (its 6-digit code) that have names: the codes under it,
    without the city itself. A citizen chooses one at registration."""
    prefix = city.rstrip("0")[:4] if city.endswith("00") else city
    return {
        code: name
        for code, name in sorted(region_names(language).items())
        if code.startswith(prefix) and code != city
    }
