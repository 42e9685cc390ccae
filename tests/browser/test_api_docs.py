"""The API's documentation in a real browser with no network beyond the platform: Swagger UI at
/docs and ReDoc at /redoc draw the platform's OpenAPI description from scripts the platform
serves itself (the page fixture fails on any request elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest

from carbonledger.platform import Platform

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_swagger_ui_draws_the_api_offline(page: Any, site: tuple[Platform, str]) -> None:
    _, url = site
    page.goto(f"{url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Carbon Ledger")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert page.get_by_text("/api/v1/records", exact=True).count() > 0


def test_redoc_draws_the_api_offline(page: Any, site: tuple[Platform, str]) -> None:
    _, url = site
    page.goto(f"{url}/redoc")
    expect(page.locator("h1").first).to_contain_text("Carbon Ledger")
    expect(
        page.locator("text=This partner's enterprise ledger per day and scenario").first
    ).to_be_attached()
