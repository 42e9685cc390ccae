"""The public dashboard in a real browser, on a small demo city: every chart drawn by the
platform's own plotly.js, and the totals changing live (server-sent events) when a partner posts
a new batch while the page is open, without a reload; readable on a wall and on a phone."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import httpx

from carbonledger import clock
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from carbonledger.simulate import demo
from carbonledger.simulate.city import user_id
from tests.browser.conftest import screenshot
from tests.factories import record

CHARTS = ("trend", "scenario", "region", "partner", "flow")
WALL = {"width": 1920, "height": 1080}


def _number(page: Any, selector: str) -> int:
    return int(page.locator(selector).inner_text().replace(",", ""))


def _open_live(page: Any, url: str) -> None:
    page.goto(f"{url}/dashboard")
    page.locator("#live-state[data-state='live']").wait_for()
    for chart in CHARTS:
        page.locator(f"#chart-{chart} .main-svg").first.wait_for()


def test_the_totals_change_live_after_a_new_batch(page: Any, city: tuple[Platform, str]) -> None:
    platform, url = city
    page.set_viewport_size(WALL)
    _open_live(page, url)
    credited = _number(page, "#stat-credited")
    assert credited > 0
    page.evaluate("window.sameDocument = true")

    # The city's bank reports two paperless bills of its (linked) customer number 0.
    key = demo.load_partner_key(demo.partner_key_path(platform.settings, "bank"))
    at = clock.now() - timedelta(minutes=30)
    batch = [
        record("e_billing", user=user_id("bank", 0), start=at, quantity=1, evidence={"key": bill})
        for bill in (os.urandom(8).hex(), os.urandom(8).hex())
    ]
    with PartnerClient(url, "bank", key) as client:
        assert client.submit(batch).json()["summary"]["accepted"] == 2

    page.wait_for_function(
        "before => document.querySelector('#stat-credited').textContent != before",
        arg=page.locator("#stat-credited").inner_text(),
    )
    assert _number(page, "#stat-credited") == credited + 2
    assert page.evaluate("window.sameDocument") is True, "the page was reloaded"
    assert page.locator("#live-state").inner_text() == "实时"
    screenshot(page, "dashboard")


def test_the_dashboard_reads_on_a_phone_and_in_english(
    page: Any, city: tuple[Platform, str]
) -> None:
    _, url = city
    _open_live(page, url)
    figures = httpx.get(f"{url}/api/v1/dashboard").json()
    assert page.locator("h1").inner_text() == "全市碳普惠实时大屏"
    assert _number(page, "#stat-credited") == figures["totals"]["accepted"]
    scenarios = page.locator("table[data-breakdown='scenarios'] tbody tr")
    assert scenarios.count() == len(figures["by_scenario"])
    assert "骑行" in page.locator("table[data-breakdown='scenarios']").text_content()
    screenshot(page, "dashboard-phone")
    page.get_by_role("link", name="English").click()
    page.locator("#live-state[data-state='live']").wait_for()
    assert page.locator("h1").inner_text() == "The city's carbon inclusion, live"
    assert "Haidian" in page.locator("table[data-breakdown='regions']").text_content()
    assert "Cycling" in page.locator("table[data-breakdown='scenarios']").text_content()
