"""A voucher from the citizen's phone to the merchant's till, in a real browser: the citizen
redeems a reward and sees the voucher with its QR code drawn by the platform; the merchant's
staff type the code in the portal, see what it is, and confirm it; confirming it again is
refused in Chinese. And a merchant lists a reward that goes live once an operator approves it.
On a phone's screen, like a till's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from carbonledger import clock
from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import log_in
from tests.browser.conftest import screenshot
from tests.browser.logins import operator_log_in, portal_log_in

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_a_merchant_confirms_a_citizens_voucher(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    merchant = factories.add_partner(platform, role="merchant")
    reward = factories.add_reward(platform, merchant.id, name_zh="咖啡一杯", price=100)
    citizen, phone = factories.new_citizen(platform, factories.PASSWORD)
    factories.grant_points(platform, citizen, 300)

    log_in(page, url, phone)
    page.goto(f"{url}/app/rewards")
    page.locator(f"#reward-{reward}").get_by_role("button", name="兑换 咖啡一杯").click()
    voucher = page.locator(".vouchers li").first
    code = voucher.locator(".voucher-code").inner_text().strip()
    qr = voucher.locator(".voucher-qr")
    expect(qr).to_have_attribute("aria-label", f"券码 {code} 的二维码，请商户扫描")
    assert qr.locator("svg path").count() == 1
    screenshot(page, "citizen-voucher-qr")

    page.context.clear_cookies()
    portal_log_in(page, url, platform, merchant.id)
    page.get_by_role("link", name="核销").click()
    page.get_by_label("券码").fill(code.lower())  # as typed at a till
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#voucher h2")).to_have_text("咖啡一杯")
    expect(page.locator("#voucher-state")).to_have_text("待核销")
    page.get_by_role("button", name="确认核销").click()
    expect(page.locator(".flash")).to_have_text("已核销，积分已转入贵方账户。")
    expect(page.locator("#voucher-state")).to_have_text("已核销")
    screenshot(page, "portal-voucher")

    page.goto(f"{url}/portal/vouchers?code={code}")
    expect(page.locator("#voucher-state")).to_have_text("已核销")
    assert page.get_by_role("button", name="确认核销").count() == 0
    page.get_by_label("券码").fill("NOSUCHCODE")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".flash")).to_have_text("没有这张券，或它不是贵方奖励的券。")


def test_a_merchant_lists_a_reward_that_goes_live_once_approved(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    merchant = factories.add_partner(platform, role="merchant")
    portal_log_in(page, url, platform, merchant.id)
    page.goto(f"{url}/portal/rewards")
    form = page.locator("#new-reward")
    form.get_by_label("中文名称").fill("单车月卡")
    form.get_by_label("英文名称").fill("Bike pass, a month")
    form.get_by_label("所需积分").fill("300")
    form.get_by_label("库存").fill("50")
    local = (clock.now() + timedelta(days=30)).astimezone(platform.settings.zone)
    form.get_by_label("可兑换至（本市时间）").fill(local.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="提交审核").click()
    expect(page.locator(".flash")).to_have_text("新奖励已提交，运营方审核通过后上架。")
    row = page.locator("tr").filter(has_text="单车月卡")
    expect(row.locator(".badge")).to_have_text("待运营方审核")
    row.get_by_label("新价格（积分）").fill("250")
    row.get_by_role("button", name="修改 单车月卡").click()
    expect(page.locator(".flash")).to_have_text("奖励已修改。")
    assert "单车月卡" not in httpx.get(f"{url}/api/v1/rewards").text

    operator = factories.add_operator(platform, ("points",))
    page.context.clear_cookies()
    operator_log_in(page, url, operator)
    page.goto(f"{url}/console/rewards")
    page.get_by_role("button", name="批准上架 单车月卡").click()
    expect(page.locator(".flash")).to_have_text("奖励已批准上架。")
    listed = httpx.get(f"{url}/api/v1/rewards").json()["rewards"]
    assert [r["price"] for r in listed if r["name_zh"] == "单车月卡"] == [250]
