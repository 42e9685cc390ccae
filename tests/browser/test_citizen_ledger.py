"""The citizen's ledger in a real browser at a phone's size: entries in the order the behaviour
happened (not the order they arrived), a reversed credit struck through with a link to its
reversal in the public log, and a record of the citizen's linked account that was rejected
before any citizen was known."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from carbonledger import clock, db
from carbonledger.client import PartnerClient
from carbonledger.ingest.crediting import reverse
from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import log_in

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_the_ledger_orders_by_occurrence_links_reversals_and_shows_rejections(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    citizen_id, phone = factories.new_citizen(platform, factories.PASSWORD)
    partner = factories.add_partner(platform)
    factories.link(platform, partner.id, "rider", citizen_id)
    now = clock.now()
    recent = factories.record(user="rider", start=now - timedelta(hours=1))
    earlier = factories.record(user="rider", start=now - timedelta(hours=5))
    broken = factories.record("teleporting", user="rider", start=now - timedelta(hours=3))
    with PartnerClient(url, partner.id, partner.key) as client:
        [first] = client.submit([recent]).json()["results"]
        [second] = client.submit([earlier]).json()["results"]  # arrives later, happened earlier
        [rejected] = client.submit([broken]).json()["results"]
    assert (first["status"], second["status"], rejected["status"]) == (
        "accepted",
        "accepted",
        "rejected",
    )
    with db.write(platform.engine) as conn:
        reversal = reverse(conn, platform, first["record"], "重复上报", clock.now())

    log_in(page, url, phone)
    page.goto(f"{url}/app/ledger")
    rows = page.locator("table.entries tbody tr")
    ids = [rows.nth(n).get_attribute("id") for n in range(rows.count())]
    # The rejected record's time could not be read: it stands at its arrival, the newest.
    assert ids == [
        f"record-{rejected['record']}",
        f"record-{first['record']}",
        f"record-{second['record']}",
    ]
    reversed_row = page.locator(f"#record-{first['record']}")
    expect(reversed_row.locator("del")).to_have_text(str(first["points"]))
    expect(reversed_row.locator("a.reversal")).to_have_text(f"撤销记录 #{reversal}")
    assert reversed_row.locator("a.reversal").get_attribute("href") == f"/log?q={reversal}"
    expect(page.locator(f"#record-{rejected['record']} .badge")).to_have_text("未计入")
