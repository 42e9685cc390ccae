"""The operator's console for what took the CLI or the API before, in a real browser: adding a
quiz question (which citizens then get), publishing a volunteer event and reading its attendance
code once (which then confirms a citizen's attendance), adding an operator with roles,
issuing a partner's portal key (which then logs the partner's staff in), and opening a
public-welfare project (which citizens then see)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from carbonledger import clock, db
from carbonledger.engagement import quiz
from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import log_in
from tests.browser.logins import operator_log_in

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
    operator_log_in(page, url, admin)

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


def test_an_operator_opens_a_project_that_citizens_can_fund(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    operator = factories.add_operator(platform, ("points",))
    operator_log_in(page, url, operator)
    page.get_by_role("navigation").get_by_role("link", name="公益项目").click()
    page.get_by_label("中文名称").fill("永定河增殖放流")
    page.get_by_label("英文名称").fill("Fish for the Yongding")
    page.get_by_label("项目类型").select_option(label="增殖放流")
    page.get_by_label("单位（中文，如 棵）").fill("尾")
    page.get_by_label("单位（英文，如 tree）").fill("fish")
    page.get_by_label("每单位积分").fill("10")
    page.get_by_label("目标数量（单位）").fill("x")
    page.get_by_role("button", name="新建项目").last.click()
    expect(page.locator(".flash")).to_have_text("项目信息有误：目标数量。")
    page.get_by_label("目标数量（单位）").fill("500")
    page.get_by_role("button", name="新建项目").last.click()
    expect(page.locator(".flash")).to_have_text("公益项目已开放捐赠。")
    project = page.locator(".flags li").filter(has_text="永定河增殖放流")
    expect(project).to_contain_text("已完成 0/500 尾")
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    page.context.clear_cookies()
    log_in(page, url, phone)
    page.goto(f"{url}/app/donations")
    expect(page.locator("main")).to_contain_text("永定河增殖放流")
