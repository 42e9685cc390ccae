"""Activities in a real browser: a citizen sees a running campaign on the home and activities
pages, checks in, answers today's quiz, signs up for a
volunteer event and withdraws, and confirms attendance at an event under way with the
organiser's code; each earns its points, and a wrong code is refused on the page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from carbonledger import clock
from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import (
    add_event,
    add_question,
    credited_citizen,
    fund_check_ins,
    log_in,
    sign_up,
)
from tests.browser.conftest import screenshot

pytest.importorskip("playwright")
from playwright.sync_api import expect


def _balance(page: Any, url: str) -> int:
    page.goto(f"{url}/app/rewards")
    return int(page.locator("#balance .value").inner_text().replace(",", ""))


def test_check_in_quiz_and_events(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    fund_check_ins(platform)
    question = add_question(platform)
    later, _ = add_event(platform, timedelta(days=2), name="植树")
    citizen_id, phone, _ = credited_citizen(platform, url)
    running, code = add_event(platform, timedelta(minutes=-30), name="河道清洁")
    sign_up(platform, running, citizen_id, clock.now() - timedelta(hours=1))
    campaign = factories.add_campaign(platform).id
    log_in(page, url, phone)
    expect(page.locator(f"#campaign-{campaign}")).to_contain_text("绿色出行双倍积分")
    start = _balance(page, url)

    page.get_by_role("navigation").get_by_role("link", name="活动").click()
    offer = page.locator(f"#campaign-{campaign}")
    expect(offer).to_contain_text("积分加成 +100%")
    expect(offer).to_contain_text("全市")
    page.locator("#checkin").get_by_role("button").click()
    expect(page.locator(".flash")).to_have_text("签到成功。")
    expect(page.locator("#checkin")).to_contain_text("今日已签到")

    quiz = page.locator(f"#question-{question}")
    quiz.get_by_label("200 克").check()
    quiz.get_by_role("button", name="提交答案").click()
    expect(page.locator(".flash")).to_have_text("已提交答案。")
    expect(page.locator(f"#question-{question}")).to_contain_text("回答正确")

    page.locator(f"#event-{later}").get_by_role("button", name="报名").click()
    expect(page.locator(".flash")).to_have_text("报名成功。")
    expect(page.locator(f"#my-event-{later}")).to_be_visible()
    screenshot(page, "citizen-activities")
    page.locator(f"#my-event-{later}").get_by_role("button", name="取消报名").click()
    expect(page.locator(".flash")).to_have_text("已取消报名。")
    expect(page.locator(f"#event-{later}")).to_be_visible()

    attend = page.locator(f"#my-event-{running}")
    attend.get_by_label("活动签到码").fill("WRONG-CODE")
    attend.get_by_role("button", name="确认参加").click()
    expect(page.locator(".flash")).to_have_text("签到码不对，请向组织者确认。")
    page.locator(f"#my-event-{running}").get_by_label("活动签到码").fill(code)
    page.locator(f"#my-event-{running}").get_by_role("button", name="确认参加").click()
    expect(page.locator(".flash")).to_contain_text("志愿时长积分已发放")
    expect(page.locator(f"#my-event-{running}")).to_contain_text("已参加 +30")
    assert _balance(page, url) > start + 30
    page.goto(f"{url}/app/points")
    movements = page.locator("table.movements tbody")
    for kind in ("志愿活动", "签到", "答题", "减排奖励"):
        expect(movements).to_contain_text(kind)
    screenshot(page, "citizen-points")
