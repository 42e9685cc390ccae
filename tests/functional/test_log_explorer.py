"""The public log explorer over HTTP: the latest checkpoint with its signers, entries page by
page, lookup by leaf index and record id, and the audit page beside the dashboard and the
government ledger."""

from __future__ import annotations

import re
import time

import httpx
from sqlalchemy import update

from carbonledger import db
from carbonledger.client import PartnerClient
from carbonledger.ingest.tables import rollups
from carbonledger.platform import Platform
from tests import factories
from tests.factories import MadePartner, record

Served = tuple[Platform, str]


def _credited(served: Served, partner: tuple[MadePartner, PartnerClient], count: int) -> list[dict]:
    platform, url = served
    made, client = partner
    citizen = factories.add_citizen(platform)
    factories.link(platform, made.id, "u", citizen)
    sent = [record("walking", user="u", quantity=1000 + n) for n in range(count)]
    results = client.submit(sent).json()["results"]
    last = max(r["leaf_index"] for r in results)
    deadline = time.monotonic() + 10
    while int(httpx.get(f"{url}/log/checkpoint").text.split("\n")[1]) <= last:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return results


def _indexes(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="leaf-(\d+)"', page)]


def test_the_explorer_shows_the_checkpoint_and_pages_of_entries(
    served: Served, partner: tuple[MadePartner, PartnerClient]
) -> None:
    platform, url = served
    results = _credited(served, partner, 60)
    page = httpx.get(f"{url}/log", params={"lang": "en"})
    assert page.status_code == 200
    assert platform.settings.log_origin in page.text and "the log" in page.text
    first = _indexes(page.text)
    assert len(first) == 50 and first == sorted(first, reverse=True)
    older = re.search(r'href="/log\?before=(\d+)"', page.text)
    assert older is not None
    second = _indexes(httpx.get(f"{url}/log", params={"before": older.group(1)}).text)
    assert second and max(second) == min(first) - 1
    assert max(r["leaf_index"] for r in results) in first


def test_an_entry_is_found_by_index_or_record_id(
    served: Served, partner: tuple[MadePartner, PartnerClient]
) -> None:
    url = served[1]
    [result] = _credited(served, partner, 1)
    by_record = httpx.get(f"{url}/log", params={"q": result["record"], "lang": "en"}).text
    assert f"Log entry {result['leaf_index']}" in by_record
    by_index = httpx.get(f"{url}/log", params={"q": str(result["leaf_index"]), "lang": "en"})
    assert f"Log entry {result['leaf_index']}" in by_index.text
    unknown = httpx.get(f"{url}/log", params={"q": "Z" * 26, "lang": "en"}).text
    assert "There is no record with this id." in unknown
    nonsense = httpx.get(f"{url}/log", params={"q": "what?", "lang": "en"}).text
    assert "Enter a leaf index" in nonsense


def test_the_audit_page_agrees_then_names_a_changed_rollup(
    served: Served, partner: tuple[MadePartner, PartnerClient]
) -> None:
    platform, url = served
    _credited(served, partner, 3)
    agrees = httpx.get(f"{url}/log/audit", params={"lang": "en"}).text
    assert 'id="audit-agrees"' in agrees and "government ledger" in agrees
    with db.write(platform.engine) as conn:
        conn.execute(
            update(rollups)
            .where(rollups.c.scenario == "walking")
            .values(accepted=rollups.c.accepted + 1)
        )
    try:
        differs = httpx.get(f"{url}/log/audit", params={"lang": "en"}).text
        assert 'id="audit-differences"' in differs
        assert "dashboard, scenario walking: credits" in differs
        assert "government ledger, scenario walking: credits" in differs
    finally:
        with db.write(platform.engine) as conn:
            conn.execute(
                update(rollups)
                .where(rollups.c.scenario == "walking")
                .values(accepted=rollups.c.accepted - 1)
            )
