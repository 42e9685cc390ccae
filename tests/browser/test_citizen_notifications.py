"""The citizen's messages in a real browser at a phone's size: points that arrived, a voucher
about to be voided, and an appeal answered, each linking to where to act."""

from __future__ import annotations

from typing import Any

import pytest

from carbonledger import clock, db
from carbonledger.appeals import service as appeals
from carbonledger.platform import Platform
from carbonledger.rewards import service as rewards
from tests import factories
from tests.browser.citizen import log_in
from tests.integration.helpers import submit

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_the_citizen_reads_what_needs_attention(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    merchant = factories.add_partner(platform, role="merchant")
    reward = factories.add_reward(platform, merchant.id, name_zh="电影票", price=100)
    citizen, phone = factories.new_citizen(platform, factories.PASSWORD)
    factories.grant_points(platform, citizen, 250)
    partner = factories.add_partner(platform)
    factories.link(platform, partner.id, "n-user", citizen)
    [rejected] = submit(platform, partner.id, [factories.record("teleporting", user="n-user")])
    assert rejected.record is not None
    now = clock.now()
    with db.write(platform.engine) as conn:
        # An hour to use it.
        held = rewards.redeem(conn, platform.keys, citizen, reward, "soon-void", now, 60)
        appeal = appeals.file(conn, citizen, rejected.record, "我确实步行了", now)
        appeals.answer(conn, appeal, "denied", "记录缺少行为类型，无法计入。", "op-1", now)

    log_in(page, url, phone)
    page.get_by_role("navigation").get_by_role("link", name="消息").click()
    notices = page.locator(".notices li")
    expect(notices.filter(has_text="电影票")).to_contain_text(held.code)
    expect(notices.filter(has_text="申诉")).to_have_text("你的申诉已有答复：申诉未获支持。")
    today = now.astimezone(platform.settings.zone).date().isoformat()
    expect(notices.filter(has_text="到账")).to_have_text(f"{today} 到账 250 积分。")
    notices.filter(has_text="申诉").get_by_role("link").click()
    expect(page.locator(".appeals .answer").first).to_contain_text("记录缺少行为类型")
