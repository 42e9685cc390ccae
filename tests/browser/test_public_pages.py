"""The public pages in a real browser: the landing page and the reduction handbook, in Chinese and
after the English switch, reachable by keyboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from carbonledger import clock, db
from carbonledger.methodology import service as methodology
from carbonledger.methodology.publishing import Draft
from carbonledger.platform import Platform
from tests.browser.conftest import screenshot


def test_the_handbook_lists_every_scenario_with_its_source(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    page.goto(f"{url}/handbook")
    assert page.locator("h1").inner_text() == "减排手册"
    rows = page.locator("table.handbook tbody tr")
    assert rows.count() == len(platform.catalogue.scenarios)
    cycling = page.locator("#scenario-cycling")
    assert "骑行" in cycling.inner_text()
    assert "51 g" in cycling.inner_text()
    assert page.locator("#scenario-car_free_day .badge").inner_text() == "暂定"
    screenshot(page, "handbook")
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Reduction handbook"
    assert "Cycling" in page.locator("#scenario-cycling").inner_text()


def test_the_landing_page_is_usable_by_keyboard(page: Any, site: tuple[Platform, str]) -> None:
    _, url = site
    page.goto(url)
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.get_attribute("href") == "#main"
    for area in ("/app", "/portal", "/console", "/dashboard", "/handbook"):
        assert page.locator(f"main a[href='{area}']").count() == 1
    screenshot(page, "home")


def test_the_handbook_shows_caps_in_their_unit_and_versions_taking_effect_later(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    now = clock.now()
    effective = methodology.earliest_effective_date(platform, now) + timedelta(days=30)
    draft = Draft("cycling", effective.isoformat(), "60", "sourced", "市交通委骑行减排测算")
    with db.write(platform.engine) as conn:
        methodology.publish(conn, platform, draft, "op-methodology", now)
    page.goto(f"{url}/handbook")
    appliance = page.locator("#scenario-green_appliance td").nth(2).inner_text()
    assert appliance == "1 条记录"  # the cap counts appliances bought, not kilowatt-hours
    cycling = page.locator("#scenario-cycling").inner_text()
    assert "51 g" in cycling  # still in force today
    assert f"自 {effective.isoformat()} 起： 60 g" in cycling
