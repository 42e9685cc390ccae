"""A citizen locked out resets the password with a code texted to the phone, and verifies the
phone number, in a real browser at a phone's size. The default sender writes the texts to
data/sms/outbox.jsonl, where the test reads the code as the citizen would read the message. A
wrong code is refused in Chinese, and codes cannot be asked for again within a minute."""

from __future__ import annotations

import re
from typing import Any

import pytest

from carbonledger.phone.sender import sent_to
from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import log_in
from tests.browser.conftest import screenshot

pytest.importorskip("playwright")
from playwright.sync_api import expect

NEW_PASSWORD = "new-green-2026"


def _code(platform: Platform, phone: str) -> str:
    found = re.search(r"验证码是 (\d{6})", sent_to(platform.settings, phone)[-1])
    assert found, sent_to(platform.settings, phone)
    return found.group(1)


def test_a_citizen_resets_a_forgotten_password_by_sms(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    page.goto(f"{url}/app/login")
    page.get_by_role("link", name="忘记密码？").click()
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="发送验证码").click()
    expect(page.locator(".flash")).to_contain_text("验证码已通过短信发出")
    code = _code(platform, phone)

    page.get_by_role("button", name="重新发送验证码").click()  # too soon: the form stays
    expect(page.locator(".flash")).to_have_text("操作太频繁，请稍后再试。")
    assert len(sent_to(platform.settings, phone)) == 1

    form = page.locator("#reset-confirm")
    expect(form).to_be_visible()
    form.get_by_label("短信验证码").fill("000000" if code != "000000" else "111111")
    form.get_by_label("新密码").fill(NEW_PASSWORD)
    form.get_by_role("button", name="设置新密码").click()
    expect(page.locator(".flash")).to_have_text("验证码不正确，请核对短信后重新输入。")
    form = page.locator("#reset-confirm")
    form.get_by_label("短信验证码").fill(code)
    form.get_by_label("新密码").fill(NEW_PASSWORD)
    screenshot(page, "citizen-reset")
    form.get_by_role("button", name="设置新密码").click()
    page.wait_for_url(re.compile(r"/app/login\?done=password_reset"))
    expect(page.locator(".flash")).to_have_text("密码已重新设置，请用新密码登录。")
    log_in(page, url, phone, NEW_PASSWORD)
    expect(page.locator("h1")).to_contain_text("你好")


def test_a_citizen_verifies_the_phone_by_sms(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    log_in(page, url, phone)
    page.goto(f"{url}/app/account")
    page.get_by_role("link", name="手机号验证").click()
    expect(page.locator("#phone-status")).to_have_text("尚未验证")
    page.get_by_role("button", name="发送验证码").click()
    expect(page.locator(".flash")).to_have_text("验证码已发送到你的手机，10 分钟内有效。")
    page.get_by_label("短信验证码").fill(_code(platform, phone))
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page.locator(".flash")).to_have_text("手机号已验证。")
    expect(page.locator("#phone-status")).to_contain_text("已验证")
