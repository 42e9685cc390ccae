"""The public registry in a real browser, on the demo city's market: the lot with its notice, the
answered objection and the verifier, the holders and the retirement with its certificate, in
Chinese and after the English switch."""

from __future__ import annotations

from typing import Any

from carbonledger.platform import Platform
from tests.browser.conftest import screenshot


def test_the_registry_shows_the_demo_lot_from_notice_to_retirement(
    page: Any, city: tuple[Platform, str]
) -> None:
    _, url = city
    page.goto(f"{url}/market")
    assert page.locator("h1").inner_text() == "碳减排量登记簿"
    page.locator("table a").first.click()
    assert page.locator("#lot-status").inner_text() == "已签发"
    text = page.locator("main").inner_text()
    assert "绿色核证中心" in text and "不会：跨合作方滤重" in text and "马拉松" in text
    screenshot(page, "market-lot")
    page.get_by_role("link", name="English").click()
    assert page.locator("#lot-status").inner_text() == "issued"
    page.get_by_role("link", name="Retirements").first.click()
    certificate = page.locator("main a[href$='certificate.pdf']")
    assert certificate.count() == 1
    answer = page.request.get(url + certificate.get_attribute("href"))
    assert answer.ok and answer.body().startswith(b"%PDF")
    page.get_by_role("link", name="Holders").first.click()
    assert "enterprise:bj-green-power" in page.locator("main").inner_text()
