"""Browser tests: Playwright driving the system Chromium against a platform served on loopback.

They skip when Chromium or Playwright is missing, unless CARBONLEDGER_REQUIRE_BROWSER=1 (as in
CI), which turns that into a failure. Every page load is watched: a request to any address but
the platform's own fails the test, since pages must work with no network beyond the platform,
and so does anything the Content-Security-Policy refuses.
Screenshots of the main pages land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carbonledger.config import Settings
from carbonledger.platform import Platform
from tests.served import serve

REQUIRE_BROWSER = os.environ.get("CARBONLEDGER_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"a browser is required (CARBONLEDGER_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("no chromium on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, str]]:
    """One served SQLite platform per test module."""
    data_dir = tmp_path_factory.mktemp("site") / "data"
    platform = Platform.open(Settings(data_dir=data_dir, checkpoint_interval_seconds=0.2))
    with serve(platform) as url:
        yield platform, url
    platform.close()


@pytest.fixture(scope="module")
def city(site: tuple[Platform, str]) -> tuple[Platform, str]:
    """The module's site with a small demo city: partners (keys in data/partners/), 120 citizens
    linked at every data partner, all of them active every day of a week of behaviour."""
    from rich.progress import Progress

    from carbonledger.simulate import demo

    platform, _ = site
    with Progress(disable=True) as progress:
        demo.build(platform, demo.DemoSize(citizens=120, days=7, engaged=False), progress)
    return site


@pytest.fixture
def page(browser: Any, site: tuple[Platform, str]) -> Iterator[Any]:
    """A fresh browser context (phone-sized, Chinese) that fails on any off-platform request."""
    _, url = site
    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="zh-CN")
    outside: list[str] = []
    context.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((url, "data:", "blob:", "about:"))
            else None
        ),
    )
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    # The Content-Security-Policy holds on every page: a script or style it refused is a failure.
    refused: list[str] = []
    opened.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield opened
    context.close()
    assert outside == [], f"pages asked for addresses outside the platform: {outside}"
    assert refused == [], f"the Content-Security-Policy refused: {refused}"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
