"""Page texts: every key in both languages, the language choice, and a visible gap for a missing
key rather than a crash."""

from __future__ import annotations

from carbonledger.web.base import i18n
from carbonledger.web.base.rendering import grams


def test_every_text_exists_in_both_languages() -> None:
    texts = i18n.messages()
    singular = {key for key in texts["en"] if key.endswith(i18n.SINGULAR)}
    assert set(texts["zh"]) == set(texts["en"]) - singular
    assert all(texts["zh"][key].strip() and texts["en"][key].strip() for key in texts["zh"])
    assert all(key.removesuffix(i18n.SINGULAR) in texts["en"] for key in singular)


def test_english_says_one_in_the_singular() -> None:
    streak = "citizen.activities.streak"
    assert i18n.translate("en", streak, days=1) == "Checked in 1 day in a row."
    assert i18n.translate("en", streak, days=2) == "Checked in 2 days in a row."
    assert "1" in i18n.translate("zh", streak, days=1)
    assert i18n.translate("en", "handbook.cap_records", count=1) == "1 record"


def test_the_language_comes_from_the_query_then_the_cookie_then_chinese() -> None:
    assert i18n.choose("en", "zh") == "en"
    assert i18n.choose(None, "en") == "en"
    assert i18n.choose("fr", None) == "zh"
    assert i18n.choose(None, None) == "zh"


def test_an_unknown_key_shows_itself() -> None:
    assert i18n.translate("en", "nav.home") == "Home"
    assert i18n.translate("zh", "nav.home") == "首页"
    assert i18n.translate("en", "no.such.key") == "no.such.key"


def test_reductions_read_in_grams_kilograms_or_tonnes() -> None:
    assert grams(214_200) == "214.2 g"
    assert grams(2_500_000) == "2.50 kg"
    assert grams(3_456_789_000) == "3.457 t"
