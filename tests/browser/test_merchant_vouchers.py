"""A voucher from the citizen's phone to the merchant's till, in a real browser: the citizen
redeems a reward and sees the voucher with its QR code drawn by the platform; the merchant's
staff type the code in the portal, see what it is, and confirm it; confirming it again is
refused in Chinese. On a phone's screen, like a till's."""

from __future__ import annotations

from typing import Any

import pytest

from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import log_in
from tests.browser.conftest import screenshot

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
    page.goto(f"{url}/portal/login")
    page.get_by_label("合作方编号").fill(merchant.id)
    page.get_by_label("门户访问密钥").fill(factories.portal_key(platform, merchant.id))
    page.get_by_role("button", name="登录").click()
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
