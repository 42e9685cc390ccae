"""The public pages in a real browser: the landing page and the reduction handbook, in Chinese and
after the English switch, reachable by keyboard."""

from __future__ import annotations

from typing import Any

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
