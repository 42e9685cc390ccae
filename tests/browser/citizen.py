"""Helpers of the citizen app's browser tests: a logged-in citizen with credited records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from carbonledger import clock
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from tests import factories

VERIFIED = "已在公开日志中验证"


def log_in(page: Any, url: str, phone: str, password: str = factories.PASSWORD) -> None:
    """Log in through the login form."""
    page.goto(f"{url}/app/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/app")


def credited_citizen(platform: Platform, url: str, trips: int = 2) -> tuple[str, str, list[int]]:
    """A citizen with a password, linked at a new partner that sends `trips` cycling trips;
    returns (citizen id, phone, leaf indexes of the credits)."""
    citizen_id, phone = factories.new_citizen(platform, factories.PASSWORD)
    made = factories.add_partner(platform)
    factories.link(platform, made.id, "rider", citizen_id)
    start = clock.now() - timedelta(hours=1)
    records = [
        factories.record(user="rider", start=start - timedelta(hours=2 * n)) for n in range(trips)
    ]
    with PartnerClient(url, made.id, made.key) as client:
        results = client.submit(records).json()["results"]
    assert [r["status"] for r in results] == ["accepted"] * trips, results
    return citizen_id, phone, [r["leaf_index"] for r in results]
