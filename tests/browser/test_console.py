"""The operator console in a real browser: an operator logs in through the form, approves a
pending partner, publishes a methodology version, reverses a flagged credit from the review
queue with a reason, and reads the month's report with its chart; screenshots `console-*`."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.ingest.repository import record_by_id
from carbonledger.ingest.signing import public_key_b64
from carbonledger.methodology.service import earliest_effective_date
from carbonledger.platform import Platform
from tests import factories
from tests.browser.conftest import screenshot
from tests.factories import record
from tests.integration.helpers import submit


def _log_in(page: Any, url: str, operator_id: str, then: str = "/console") -> None:
    page.goto(url + then)
    assert "/console/login" in page.url
    page.get_by_label("运营账号").fill(operator_id)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(url + then) + "$"))


def test_an_operator_approves_a_partner_and_publishes_a_factor(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    operator_id = factories.add_operator(platform, ("partners", "methodology", "reports"))
    with db.write(platform.engine) as conn:
        key = public_key_b64(Ed25519PrivateKey.generate())
        accounts.add_partner(
            conn, "green-metro", "绿色地铁", key, "data", clock.now(), pending=True
        )
    page.goto(url + "/console/login")
    screenshot(page, "console-login")
    _log_in(page, url, operator_id)
    assert page.locator("h1").inner_text() == "管理后台"
    assert "待审核合作方：1" in page.locator("main").inner_text()
    screenshot(page, "console-home")

    page.get_by_role("link", name="合作方").first.click()
    row = page.locator("#partner-green-metro")
    assert "待审核" in row.inner_text()
    row.get_by_role("button", name="审核通过 绿色地铁").click()
    assert "合作方 green-metro 已审核通过" in page.locator(".flash").inner_text()
    assert "正常" in page.locator("#partner-green-metro").inner_text()
    screenshot(page, "console-partners")

    page.get_by_role("link", name="方法学版本").click()
    effective = earliest_effective_date(platform, clock.now()).isoformat()
    page.get_by_label("行为").select_option("clean_plate")
    page.get_by_label("生效日期").fill(effective)
    page.get_by_label("减排因子").fill("300")
    page.get_by_label("状态").select_option("sourced")
    page.get_by_label("来源").fill("市餐饮协会 2026 光盘行动测算")
    page.get_by_role("button", name="发布").click()
    assert f"clean_plate@{effective}" in page.locator(".flash").inner_text()
    assert "300" in page.locator("#scenario-clean_plate").inner_text()
    screenshot(page, "console-methodology")


def test_a_reviewer_reverses_a_flagged_credit(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    partner = factories.add_partner(platform)
    factories.link(platform, partner.id, "rider", factories.add_citizen(platform))
    fast, _ = submit(
        platform,
        partner.id,
        [
            record(quantity=29, minutes=60, user="rider"),
            record(quantity=6, minutes=25, user="rider", start=clock.now() - timedelta(hours=5)),
        ],
    )
    operator_id = factories.add_operator(platform, ("reviewer", "reports"))
    _log_in(page, url, operator_id, "/console/review")
    flag = page.locator(f"#flag-{fast.record}")
    assert "接近合理性边界" in flag.inner_text()
    assert "29 km/h / max 30" in flag.inner_text()
    screenshot(page, "console-review")
    flag.get_by_role("button", name="撤销此记录").click()
    assert page.locator(f"#flag-{fast.record}").count() == 1  # a reason is required first
    flag.get_by_label("撤销原因").fill("29 km/h 超出共享单车常见速度")
    flag.get_by_role("button", name="撤销此记录").click()
    assert "已撤销" in page.locator(".flash").inner_text()
    assert page.locator(f"#flag-{fast.record}").count() == 0
    with db.read(platform.engine) as conn:
        row = record_by_id(conn, fast.record or "")
    assert row is not None and (row.status, row.reason) == ("rejected", "reversed")

    page.get_by_role("link", name="报表").first.click()
    page.locator("#daily-chart .main-svg").first.wait_for()
    assert "下载 PDF" in page.locator(".downloads").inner_text()
    screenshot(page, "console-reports")
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Reports"


def test_an_operator_publishes_a_campaign_that_citizens_see(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    operator_id = factories.add_operator(platform, ("points",))
    _log_in(page, url, operator_id, "/console/points")
    zone = platform.settings.zone
    now = clock.now()
    form = page.locator("form[action='/console/points/campaigns']")
    form.get_by_label("活动标识").fill("car-free-week")
    form.get_by_label("中文名称").fill("无车出行周")
    form.get_by_label("英文名称").fill("Car-free week")
    start = (now - timedelta(hours=1)).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    form.get_by_label("开始时间（本市时间）").fill(start)
    end = (now + timedelta(days=7)).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    form.get_by_label("结束时间（本市时间，不含）").fill(end)
    form.get_by_label("积分倍数").fill("2")
    form.get_by_label("适用行为").select_option(["cycling", "metro", "bus"])
    form.get_by_label("预算（积分）").fill("100000")
    form.get_by_role("button", name="创建并拨付预算").click()
    assert "积分活动 car-free-week 已创建" in page.locator(".flash").inner_text()
    card = page.locator("#campaign-car-free-week")
    assert "× 2" in card.inner_text() and "进行中" in card.inner_text()
    screenshot(page, "console-points")

    # What the citizen app reads: the campaigns running now.
    page.goto(url + "/api/v1/campaigns")
    assert '"car-free-week"' in page.locator("body").inner_text()
    assert "无车出行周" in page.locator("body").inner_text()
