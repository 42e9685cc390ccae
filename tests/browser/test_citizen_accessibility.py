"""Accessible markup on every citizen page, checked in the browser: one h1 and no skipped
heading level, a label for every form control, a name for every button and link, and each page
usable from the keyboard (the skip link comes first)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from carbonledger.platform import Platform
from tests.browser.citizen import (
    PAGES,
    add_event,
    add_project,
    add_question,
    add_reward,
    credited_citizen,
    log_in,
)

pytest.importorskip("playwright")

_PROBLEMS = """() => {
  const problems = [];
  const levels = [...document.querySelectorAll('h1, h2, h3, h4')].map((h) => Number(h.tagName[1]));
  if (levels.filter((l) => l === 1).length !== 1) problems.push('not exactly one h1');
  levels.forEach((level, i) => {
    if (i && level > levels[i - 1] + 1) problems.push('heading skips to h' + level);
  });
  for (const control of document.querySelectorAll('input, select, textarea')) {
    if (control.type === 'hidden') continue;
    if (!control.labels.length && !control.getAttribute('aria-label')) {
      problems.push('unlabelled ' + control.name);
    }
  }
  for (const item of document.querySelectorAll('button, a[href]')) {
    if (!(item.getAttribute('aria-label') || item.textContent).trim()) {
      problems.push('nameless ' + item.outerHTML.slice(0, 60));
    }
  }
  return problems;
}"""


@pytest.mark.parametrize("path", ["/app/login", "/app/register"])
def test_the_login_and_registration_forms(page: Any, site: tuple[Platform, str], path: str) -> None:
    _, url = site
    page.goto(url + path)
    assert page.evaluate(_PROBLEMS) == []
    page.keyboard.press("Tab")
    assert page.locator(":focus").get_attribute("href") == "#main"


def test_every_page_of_a_citizen_with_data(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    add_reward(platform)
    add_project(platform)
    add_question(platform)
    add_event(platform, timedelta(days=1))
    _, phone, _ = credited_citizen(platform, url)
    log_in(page, url, phone)
    for path in PAGES:
        page.goto(url + path)
        assert (path, page.evaluate(_PROBLEMS)) == (path, [])
        page.keyboard.press("Tab")
        assert page.locator(":focus").get_attribute("href") == "#main"
