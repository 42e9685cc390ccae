"""The operator's console for what took the CLI or the API before, in a real browser: adding a
quiz question (which citizens then get), publishing a volunteer event and reading its attendance
code once (which then confirms a citizen's attendance), adding an operator with roles, and
issuing a partner's portal key (which then logs the partner's staff in)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from carbonledger import clock, db
from carbonledger.engagement import quiz
from carbonledger.platform import Platform
from tests import factories

pytest.importorskip("playwright")
from playwright.sync_api import expect


def _local(platform: Platform, hours: float) -> str:
    moment = clock.now() + timedelta(hours=hours)
    return moment.astimezone(platform.settings.zone).strftime("%Y-%m-%dT%H:%M")


def test_an_admin_runs_the_programme_from_the_console(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    admin = factories.add_operator(platform, ("admin",))
    partner = factories.add_partner(platform)
    page.goto(f"{url}/console/login")
    page.get_by_label("运营账号").fill(admin)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.get_by_role("navigation").get_by_role("link", name="答题与活动").click()
    page.get_by_label("题目（中文）").fill("公交出行比驾车减排吗？")
    page.get_by_label("题目（英文）").fill("Does the bus save emissions over a car?")
    page.get_by_label("选项 1（中文）").fill("是")
    page.get_by_label("选项 1（英文）").fill("Yes")
    page.get_by_label("选项 2（中文）").fill("否")
    page.get_by_label("选项 2（英文）").fill("No")
    page.get_by_label("选项 1 是正确答案").check()
    page.get_by_role("button", name="添加题目").last.click()
    expect(page.locator(".flash")).to_have_text("题目已添加。")
    with db.read(platform.engine) as conn:
        [question] = [q for q in quiz.bank(conn) if q.prompt_zh == "公交出行比驾车减排吗？"]
    assert (question.choices_zh, question.answer) == (["是", "否"], 0)

    form = page.locator("form[action='/console/engagement/events']")
    form.get_by_label("中文名称").fill("清河河道清洁")
    form.get_by_label("英文名称").fill("Qinghe clean-up")
    form.get_by_label("地点").fill("清河")
    form.get_by_label("开始时间（本市时间）").fill(_local(platform, 24))
    form.get_by_label("结束时间（本市时间）").fill(_local(platform, 27))
    form.get_by_label("名额").fill("30")
    form.get_by_label("每小时积分").fill("20")
    form.get_by_label("积分预算").fill("2000")
    form.get_by_role("button", name="发布活动").click()
    flash = page.locator(".flash").inner_text()
    assert re.fullmatch(r"活动已发布。签到码：[0-9A-Z]{8}（只显示这一次，请交给组织者）", flash)
    expect(page.locator("#events + ul")).to_contain_text("清河河道清洁")

    page.get_by_role("navigation").get_by_role("link", name="运营账号").click()
    page.get_by_label("账号", exact=True).fill("reviewer-2")
    page.get_by_label("姓名").fill("李复核")
    page.get_by_label("初始密码").fill("review-pass-1")
    page.get_by_label("复核").check()
    page.get_by_role("button", name="添加", exact=True).click()
    expect(page.locator(".flash")).to_have_text("运营账号已添加。")
    expect(page.locator("#operator-reviewer-2")).to_contain_text("李复核")

    page.locator(f"#portal-{partner.id}").get_by_role("button").click()
    key = re.search(r"签发门户访问密钥：(\S+)（", page.locator(".flash").inner_text())
    assert key is not None
    page.context.clear_cookies()
    page.goto(f"{url}/portal/login")
    page.get_by_label("合作方编号").fill(partner.id)
    page.get_by_label("门户访问密钥").fill(key.group(1))
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".partner-line")).to_contain_text(partner.id)
