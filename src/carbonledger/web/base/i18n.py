"""Page language: Chinese (zh) by default, English (en) on request. Pure.

The choice comes from `?lang=` (and is then kept in the `lang` cookie) or from that cookie.
Texts live in `messages/*.toml`, one file per area of the site, each with a `[zh]` and an `[en]`
table of the same keys; a test checks that both languages have every key.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "lang"


@cache
def messages() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
    folder = resources.files("carbonledger.web").joinpath("messages")
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if item.name.endswith(".toml"):
            loaded = tomllib.loads(item.read_text("utf-8"))
            for language in LANGUAGES:
                merged[language].update(loaded.get(language, {}))
    return merged


def choose(query: str | None, cookie: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT


SINGULAR = ".one"
"""An English text may have a singular form, `<key>.one`, used when the first value given is 1
(`t('citizen.activities.streak', days=1)` → "Checked in 1 day in a row."); Chinese has none."""


def translate(language: str, key: str, **values: object) -> str:
    """The text for `key`; an unknown key shows as itself so a gap is visible, never a crash."""
    table = messages()[language]
    if values and next(iter(values.values())) == 1 and key + SINGULAR in table:
        key += SINGULAR
    text = table.get(key) or messages()[DEFAULT].get(key) or key
    return text.format(**values) if values else text
