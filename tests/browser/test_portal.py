"""The partner portal in a real browser, on a small demo city: a map app's staff log in with the
access key the operator issued, read their enterprise ledger with its charts, look up one of
their records, and register a new signing key; on a desktop screen and on a phone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.accounts.tables import citizens
from carbonledger.ingest.signing import public_key_b64
from carbonledger.ingest.tables import records
from carbonledger.ledgers import service
from carbonledger.platform import Platform
from carbonledger.rewards import service as rewards
from tests import factories
from tests.browser.conftest import screenshot

PARTNER = "maps-b"  # reports trips the bike, metro and bus operators report too: duplicates


def _log_in(page: Any, url: str, platform: Platform, partner: str = PARTNER) -> None:
    key = factories.portal_key(platform, partner)
    page.goto(f"{url}/portal")
    assert page.url == f"{url}/portal/login?next=/portal"
    page.get_by_label("合作方编号").fill(partner)
    page.get_by_label("门户访问密钥").fill(key)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_staff_read_their_ledger_and_look_up_a_record(
    page: Any, city: tuple[Platform, str]
) -> None:
    platform, url = city
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, url, platform)
    assert page.url == f"{url}/portal"
    for chart in ("reduction", "status"):
        page.locator(f"#chart-{chart} .main-svg").first.wait_for()
    today = service.today_in(platform.settings.zone, clock.now())
    with db.read(platform.engine) as conn:
        ledger = service.enterprise(conn, PARTNER, today - timedelta(days=29), today)
        duplicate = conn.execute(
            select(records.c.external_id).where(
                records.c.partner_id == PARTNER, records.c.status == "duplicate"
            )
        ).scalar()
    shown = int(page.locator("#total-accepted").inner_text().replace(",", ""))
    assert shown == ledger["totals"]["accepted"] > 0
    assert ledger["totals"]["duplicate"] > 0
    screenshot(page, "portal-ledger")

    page.get_by_role("link", name="记录查询").click()
    page.get_by_label("记录编号（external_id）").fill(str(duplicate))
    page.get_by_role("button", name="查询").click()
    assert page.locator(".record .badge").inner_text() == "重复"
    assert page.locator(".record").get_by_text("overlapping_trip").count() == 1
    screenshot(page, "portal-record")


def test_staff_register_a_new_signing_key_on_a_phone(page: Any, city: tuple[Platform, str]) -> None:
    platform, url = city
    _log_in(page, url, platform)
    old = page.locator("#chart-reduction").count()
    assert old == 1
    page.get_by_role("link", name="密钥").click()
    before = page.locator("#current-key").inner_text()
    new = public_key_b64(Ed25519PrivateKey.generate())
    page.get_by_label("新的公钥（Base64）").fill(new)
    page.get_by_role("button", name="启用新公钥").click()
    assert page.locator(".flash").inner_text().startswith("新公钥已启用")
    assert page.locator("#current-key").inner_text() == new
    assert page.get_by_text(before).count() == 1  # now among the retired keys
    screenshot(page, "portal-keys")


def test_a_merchant_reads_its_rewards_and_settlement(page: Any, city: tuple[Platform, str]) -> None:
    platform, url = city
    reward = factories.add_reward(platform, "mall", name_zh="商圈购物券", name_en="Mall coupon")
    with db.read(platform.engine) as conn:
        citizen = str(conn.execute(select(citizens.c.id).limit(1)).scalar())
    factories.grant_points(platform, citizen, 500)
    hold, zone = platform.settings.redemption_hold_minutes, platform.settings.zone
    for n in range(3):
        with db.write(platform.engine) as conn:
            key = f"k-{n}"
            voucher = rewards.redeem(conn, platform.keys, citizen, reward, key, clock.now(), hold)
        if n < 2:
            with db.write(platform.engine) as conn:
                rewards.confirm(conn, platform.keys, "mall", voucher.code, clock.now(), zone)
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, url, platform, "mall")
    assert page.url.startswith(f"{url}/portal/rewards")
    row = page.locator(f"#reward-{reward}")
    assert "商圈购物券" in row.inner_text()
    assert page.locator("#settled-vouchers").inner_text() == "2"
    assert page.locator("#settled-points").inner_text() == "200"
    assert page.get_by_role("link", name="企业碳账本").count() == 0  # a merchant only
    screenshot(page, "portal-rewards")
