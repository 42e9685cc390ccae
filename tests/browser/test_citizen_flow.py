"""The citizen app in a real browser, the way a citizen uses it: register, make a link code, a
partner links it and sends records over the signed API, the credits show in the ledger verified
in the public log, a reward is redeemed for a voucher and trees are funded with points; the
links, account and deletion pages; login refusals. Screenshots of each
main page are saved as test artifacts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from carbonledger import clock
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import (
    VERIFIED,
    add_project,
    add_reward,
    credited_citizen,
    log_in,
)
from tests.browser.conftest import screenshot

pytest.importorskip("playwright")
from playwright.sync_api import expect


def _register(page: Any, url: str) -> str:
    serial = factories.next_serial()
    page.goto(f"{url}/app")
    page.wait_for_url(f"{url}/app/login?next=/app")
    page.get_by_role("link", name="注册", exact=True).first.click()
    page.get_by_label("姓名").fill("王绿行")
    page.get_by_label("身份证号").fill(factories.id_number(serial))
    page.get_by_label("手机号").fill(factories.phone(serial))
    page.get_by_label("所在区").select_option(label="海淀区")
    page.get_by_label("密码").fill(factories.PASSWORD)
    screenshot(page, "citizen-register")
    page.get_by_role("button", name="注册并登录").click()
    page.wait_for_url(f"{url}/app")
    return factories.phone(serial)


def test_a_citizen_links_a_partner_and_sees_verified_credits(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    partner = factories.add_partner(platform, "greenbike")
    _register(page, url)
    expect(page.locator("h1")).to_have_text("王**，你好")
    page.get_by_role("navigation").get_by_role("link", name="关联账户").click()
    page.get_by_label("合作方").select_option("greenbike")
    page.get_by_role("button", name="生成关联码").click()
    code = page.locator("#link-code").inner_text()
    assert len(code) == 8
    screenshot(page, "citizen-link-code")

    start = clock.now() - timedelta(hours=1)
    with PartnerClient(url, partner.id, partner.key) as client:
        assert client.link("gb-7", code).status_code == 201
        answer = client.submit(
            [
                factories.record(user="gb-7", start=start),
                factories.record(user="gb-7", start=start - timedelta(hours=3), quantity=3.0),
                factories.record("walking", user="gb-7", quantity=12000, start=start),
            ]
        ).json()
    assert answer["summary"]["accepted"] == 3, answer

    page.reload()
    expect(page.locator("#link-greenbike")).to_contain_text("gb-7")
    screenshot(page, "citizen-links")

    page.get_by_role("navigation").get_by_role("link", name="碳账本").click()
    badges = page.locator("[data-leaf]")
    expect(badges).to_have_count(3)
    for badge in badges.all():
        expect(badge).to_have_text(VERIFIED, timeout=20_000)
    expect(page.locator("#scenario-cycling")).to_contain_text("2")
    screenshot(page, "citizen-ledger")

    earned = sum(r["points"] for r in answer["results"])
    reward, project = add_reward(platform, price=200), add_project(platform)
    nav = page.get_by_role("navigation")
    nav.get_by_role("link", name="积分商城").click()
    expect(page.locator("#balance .value")).to_have_text(f"{earned:,}")
    page.locator(f"#reward-{reward}").get_by_role("button", name="兑换 地铁充值 5 元").click()
    expect(page.locator(".flash")).to_have_text("兑换成功，券码见下方。")
    voucher = page.locator("ul.vouchers > li").first
    expect(voucher).to_contain_text("待使用")
    assert len(voucher.locator(".voucher-code").inner_text()) >= 8
    expect(page.locator("#balance .value")).to_have_text(f"{earned - 200:,}")
    screenshot(page, "citizen-rewards")

    nav.get_by_role("link", name="公益捐赠").click()
    page.get_by_label("捐赠数量（棵）").fill("2")
    page.locator(f"#project-{project}").get_by_role("button").click()
    expect(page.locator(".flash")).to_have_text("捐赠成功，感谢你的爱心！")
    expect(page.locator(f"#funded-{project}")).to_contain_text("2 棵")
    expect(page.locator(f"#project-{project}")).to_contain_text("已完成 2/100 棵")
    screenshot(page, "citizen-donations")

    nav.get_by_role("link", name="首页").click()
    credited = sum(r["reduction_g"] for r in answer["results"])
    assert page.locator("#stat-total .value").inner_text() == f"{credited:,.1f} g"
    assert page.locator("#stat-points .value").inner_text() == f"{earned - 400:,}"
    assert page.locator("#stat-trees .value").inner_text() == "2"
    screenshot(page, "citizen-home")


def test_unlinking_ends_a_link(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    _, phone, _ = credited_citizen(platform, url)
    log_in(page, url, phone)
    page.goto(f"{url}/app/links")
    links = page.locator("ul.links > li")
    expect(links).to_have_count(1)
    links.first.get_by_role("button").click()
    expect(page.locator(".flash")).to_have_text("已解除关联。")
    expect(page.locator("ul.links > li")).to_have_count(0)


def test_the_account_page_downloads_my_data_and_deletes_the_account(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    _, phone, _ = credited_citizen(platform, url)
    log_in(page, url, phone)
    page.get_by_role("navigation").get_by_role("link", name="我的").click()
    screenshot(page, "citizen-account")
    with page.expect_download() as download:
        page.locator("#export-json").click()
    assert download.value.suggested_filename.endswith(".json")
    page.get_by_role("link", name="注销账户").click()
    page.get_by_label("我确认注销账户").check()
    screenshot(page, "citizen-delete")
    page.get_by_role("button", name="确认注销").click()
    page.wait_for_url(f"{url}/app/login?done=account_deleted")
    expect(page.locator(".flash")).to_contain_text("账户已注销")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".flash")).to_have_text("手机号或密码错误。")


def test_a_wrong_password_is_refused_and_the_next_page_kept(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    page.goto(f"{url}/app/ledger")
    page.wait_for_url(f"{url}/app/login?next=/app/ledger")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill("wrong-pass-9")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".flash")).to_have_text("手机号或密码错误。")
    assert page.get_by_label("手机号").input_value() == phone
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/app/ledger")
    screenshot(page, "citizen-ledger-empty")


def test_the_app_switches_to_english(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    _, phone, _ = credited_citizen(platform, url)
    log_in(page, url, phone)
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Ledger")).to_be_visible()
    page.goto(f"{url}/app/ledger")
    for badge in page.locator("[data-leaf]").all():
        expect(badge).to_have_text("verified in the public log", timeout=20_000)
    screenshot(page, "citizen-ledger-en")
