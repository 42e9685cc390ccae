"""axe-core on every page of every audience, in Chinese, with no serious or critical violation:
the public pages, the citizen app at a phone's size (each page with something on it), the
partner portal as a data partner and as a merchant, and every area of the operator console."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from carbonledger.platform import Platform
from tests import factories
from tests.browser.axe import serious_violations
from tests.browser.citizen import (
    PAGES,
    add_event,
    add_project,
    add_question,
    add_reward,
    credited_citizen,
    log_in,
)

pytest.importorskip("playwright")

PUBLIC = ["/", "/handbook", "/dashboard", "/app/login", "/app/register", "/portal/login"]
PORTAL = ["/portal", "/portal/records", "/portal/keys"]
MERCHANT = ["/portal/rewards", "/portal/vouchers", "/portal/keys"]
CONSOLE = [
    "/console",
    "/console/partners",
    "/console/methodology",
    "/console/points",
    "/console/review",
    "/console/rewards",
    "/console/reports",
    "/console/engagement",
    "/console/donations",
    "/console/lotteries",
    "/console/operators",
]


def _clean(page: Any, path: str) -> None:
    found = serious_violations(page)
    assert found == [], f"{path}: {found}"


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages(page: Any, site: tuple[Platform, str], path: str) -> None:
    _, url = site
    page.goto(url + path)
    _clean(page, path)


def test_citizen_pages(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    add_reward(platform)
    add_project(platform)
    add_question(platform)
    add_event(platform, timedelta(days=2))
    factories.add_campaign(platform)
    _, phone, _ = credited_citizen(platform, url)
    log_in(page, url, phone)
    for path in PAGES:
        page.goto(url + path)
        _clean(page, path)


def test_portal_pages(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    for role, paths in (("data", PORTAL), ("merchant", MERCHANT)):
        partner = factories.add_partner(platform, role=role)
        if role == "merchant":
            factories.add_reward(platform, partner.id)
        key = factories.portal_key(platform, partner.id)
        page.context.clear_cookies()
        page.goto(f"{url}/portal/login")
        page.get_by_label("合作方编号").fill(partner.id)
        page.get_by_label("门户访问密钥").fill(key)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        for path in paths:
            page.goto(url + path)
            _clean(page, f"{role} {path}")


def test_console_pages(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    operator = factories.add_operator(platform, ("admin",))
    page.goto(url + "/console/login")
    page.get_by_label("运营账号").fill(operator)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(url + "/console")
    for path in CONSOLE:
        page.goto(url + path)
        _clean(page, path)
