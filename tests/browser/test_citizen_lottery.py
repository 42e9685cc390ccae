"""A lottery from entry to prize, in a real browser at a phone's size: the citizen buys entries
with points, the lottery is closed and drawn, the citizen finds the prize won as a voucher with
its QR code and the draw's public record, and the prize's merchant confirms the voucher in the
portal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from carbonledger import clock, db
from carbonledger.lotteries import service as lotteries
from carbonledger.lotteries.terms import PrizeTerms
from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import log_in
from tests.browser.logins import operator_log_in, portal_log_in

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_a_citizen_wins_a_prize_and_the_merchant_hands_it_over(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    merchant = factories.add_partner(platform, role="merchant")
    now = clock.now()
    terms = factories.lottery_terms(
        merchant.id,
        now - timedelta(hours=1),
        now + timedelta(hours=1),
        name_zh="绿色出行抽奖",
        prizes=(PrizeTerms(merchant.id, "骑行头盔", 1),),
    )
    with db.write(platform.engine) as conn:
        lottery = lotteries.create(conn, platform, terms, "op", now - timedelta(hours=2))
    citizen, phone = factories.new_citizen(platform, factories.PASSWORD)
    factories.grant_points(platform, citizen, 300)

    log_in(page, url, phone)
    page.goto(f"{url}/app/activities")
    page.get_by_role("link", name="抽奖").first.click()
    card = page.locator(f"#lottery-{lottery}")
    expect(card).to_contain_text("绿色出行抽奖")
    card.get_by_label("购买次数（每次 100 积分）").fill("2")
    card.get_by_role("button", name="购买抽奖机会").click()
    expect(page.locator(".flash")).to_have_text("已购买抽奖机会。")
    expect(page.locator(f"#lottery-{lottery}")).to_contain_text("我有 2 次抽奖机会")

    later = now + timedelta(hours=1, seconds=1)
    with db.write(platform.engine) as conn:
        lotteries.close(conn, lottery, later)
    with db.write(platform.engine) as conn:
        lotteries.draw(conn, platform, lottery, later)
    page.reload()
    expect(page.locator(f"#lottery-{lottery} .badge")).to_have_text("已开奖")
    record = page.locator(f"#lottery-{lottery}").get_by_role("link", name="查看开奖公示记录")
    assert record.get_attribute("href") == f"/api/v1/lotteries/{lottery}"
    prize = page.locator(f"#prize-{lottery}-1")
    expect(prize).to_contain_text("骑行头盔")
    expect(prize.locator(".badge")).to_have_text("待领取")
    assert prize.locator(".voucher-qr svg").count() == 1
    code = prize.locator(".voucher-code").inner_text().strip()

    page.context.clear_cookies()
    portal_log_in(page, url, platform, merchant.id)
    page.goto(f"{url}/portal/vouchers?code={code}")
    expect(page.locator("#voucher")).to_contain_text("抽奖奖品")
    page.get_by_role("button", name="确认核销").click()
    expect(page.locator("#voucher-state")).to_have_text("已核销")

    page.context.clear_cookies()
    log_in(page, url, phone)
    page.goto(f"{url}/app/lotteries")
    expect(page.locator(f"#prize-{lottery}-1 .badge")).to_have_text("已领取")


def test_an_operator_publishes_a_lottery_and_sees_a_past_one_drawn(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    merchant = factories.add_partner(platform, role="merchant")
    now = clock.now()
    ended = factories.lottery_terms(
        merchant.id, now - timedelta(hours=2), now - timedelta(minutes=1), name_zh="已截止的抽奖"
    )
    with db.write(platform.engine) as conn:
        lottery = lotteries.create(conn, platform, ended, "op", now - timedelta(hours=3))
    operator = factories.add_operator(platform, ("points",))
    operator_log_in(page, url, operator)
    page.get_by_role("navigation").get_by_role("link", name="抽奖").click()

    local = now.astimezone(platform.settings.zone)
    page.get_by_label("中文名称").fill("周末骑行抽奖")
    page.get_by_label("英文名称").fill("Weekend ride lottery")
    page.get_by_label("开始时间（本市时间）").fill(
        (local + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("截止时间（本市时间）").fill(
        (local + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("每次抽奖机会的积分（留空表示不出售）").fill("50")
    page.get_by_label("奖品 1 名称").fill("骑行水壶")
    page.get_by_label("奖品 1 商户编号").fill(merchant.id)
    page.get_by_label("奖品 1 数量").fill("5")
    page.get_by_role("button", name="发布抽奖").click()
    expect(page.locator(".flash")).to_have_text("抽奖已发布，其承诺已写入公开日志。")
    expect(page.locator(".flags li").filter(has_text="周末骑行抽奖")).to_contain_text(
        "骑行水壶 × 5"
    )

    # The background duties close and draw a lottery whose window has passed, as the buttons
    # would: the winners' vouchers are issued either way.
    page.reload()
    expect(page.locator(f"#lottery-{lottery} .badge")).to_have_text("已开奖", timeout=15_000)
