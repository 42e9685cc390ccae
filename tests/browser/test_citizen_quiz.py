"""The daily quiz in a real browser, on its own site so that the bank holds one question: the
rules count the questions actually dealt (not the daily limit), and a wrong answer shows the
citizen's choice and the right one."""

from __future__ import annotations

from typing import Any

import pytest

from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import add_question, log_in

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_the_quiz_counts_the_questions_dealt_and_shows_the_right_answer(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    question = add_question(platform)
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    log_in(page, url, phone)
    page.goto(f"{url}/app/activities")
    expect(page.locator("#quiz")).to_contain_text("每天 1 道题")
    asked = page.locator(f"#question-{question}")
    asked.get_by_label("2 千克").check()
    asked.get_by_role("button", name="提交答案").click()
    answered = page.locator(f"#question-{question}")
    expect(answered).to_contain_text("回答错误")
    expect(answered.locator(".your-choice")).to_have_text("你的答案：2 千克")
    expect(answered.locator(".right-answer")).to_have_text("正确答案：200 克")
