"""Logging in to the portal and the console through their login forms, as staff do."""

from __future__ import annotations

from typing import Any

from carbonledger.platform import Platform
from tests import factories


def operator_log_in(page: Any, url: str, operator: str) -> None:
    page.goto(f"{url}/console/login")
    page.get_by_label("运营账号").fill(operator)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/console")


def portal_log_in(page: Any, url: str, platform: Platform, partner: str) -> None:
    page.goto(f"{url}/portal/login")
    page.get_by_label("合作方编号").fill(partner)
    page.get_by_label("门户访问密钥").fill(factories.portal_key(platform, partner))
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
