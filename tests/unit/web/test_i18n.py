"""Page texts: every key in both languages, the language choice, and a visible gap for a missing
key rather than a crash."""

from __future__ import annotations

import re
from pathlib import Path

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


# Codes only a signed API call, a command or the log's own routes can meet: no page shows them.
_NOT_ON_PAGES = {
    "backup_failed", "bad_city", "bad_key", "bad_keys", "bad_kind", "bad_run",
    "hold_not_over", "invalid_batch", "invalid_batch_size", "invalid_funding",
    "invalid_proof_request", "no_checkpoint", "replayed_nonce", "size_beyond_checkpoint",
    "unknown_budget", "unknown_kind", "unknown_tile",
}  # fmt: skip


def test_every_error_a_page_can_meet_has_chinese_words() -> None:
    sources = Path(i18n.__file__).resolve().parents[2]
    codes = {
        code
        for path in sources.rglob("*.py")
        for code in re.findall(r'code="([a-z_]+)"', path.read_text("utf-8"))
    }
    zh = i18n.messages()["zh"]
    audiences = ("citizen", "console", "portal")
    missing = {
        code
        for code in codes - _NOT_ON_PAGES
        if f"error.{code}" not in zh and not any(f"{a}.error.{code}" in zh for a in audiences)
    }
    assert missing == set()
