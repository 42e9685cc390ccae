"""The ledger routes over real HTTP: the enterprise ledger signed as in PARTNER_API.md §4 (a
partner sees only its own records), a citizen's own ledger, the government ledger for operators
with the `reports` role, and the public dashboard; with the refusals."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from carbonledger import clock
from carbonledger.client import PartnerClient
from carbonledger.ledgers.service import today_in
from carbonledger.platform import Platform
from tests import factories
from tests.factories import MadePartner, record

Served = tuple[Platform, str]


def _range(platform: Platform) -> str:
    today = today_in(platform.settings.zone, clock.now())
    return f"from={(today - timedelta(days=2)).isoformat()}&to={today.isoformat()}"


def _credited(served: Served, partner: MadePartner, client: PartnerClient, trips: int) -> str:
    platform, _ = served
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, f"u-{citizen}", citizen)
    start = clock.now() - timedelta(hours=5)
    answer = client.submit(
        [
            record("cycling", user=f"u-{citizen}", start=start + timedelta(minutes=40 * n))
            for n in range(trips)
        ]
    )
    assert answer.status_code == 200
    assert answer.json()["summary"]["accepted"] == trips
    return citizen


def test_a_partner_reads_only_its_own_ledger(served: Served) -> None:
    platform, url = served
    mine, other = factories.add_partner(platform), factories.add_partner(platform)
    with PartnerClient(url, mine.id, mine.key) as me, PartnerClient(url, other.id, other.key) as it:
        _credited(served, mine, me, 3)
        _credited(served, other, it, 1)
        answer = me.request("GET", f"/api/v1/partner/ledger?{_range(platform)}")
    assert answer.status_code == 200, answer.text
    ledger = answer.json()
    assert ledger["partner"] == mine.id
    assert ledger["totals"]["accepted"] == 3
    [day] = ledger["days"]
    assert (day["scenario"], day["accepted"], day["citizens"]) == ("cycling", 3, 1)


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("from=2026-13-01&to=2026-11-02", 400, "invalid_range"),
        ("from=2026-11-09&to=2026-11-02", 400, "invalid_range"),
        ("to=2026-11-02", 400, "invalid_request"),
    ],
)
def test_a_bad_range_is_refused(served: Served, query: str, status: int, code: str) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    with PartnerClient(url, partner.id, partner.key) as client:
        answer = client.request("GET", f"/api/v1/partner/ledger?{query}")
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)


def test_an_unsigned_ledger_request_is_refused(served: Served) -> None:
    _, url = served
    answer = httpx.get(f"{url}/api/v1/partner/ledger?from=2026-11-01&to=2026-11-02")
    assert answer.status_code == 401


def test_a_citizen_reads_their_own_ledger(served: Served) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    citizen, client = factories.citizen_client(url, platform)
    factories.link(platform, partner.id, "rider", citizen)
    with PartnerClient(url, partner.id, partner.key) as signed:
        signed.submit([record("cycling", user="rider")])
    with client:
        ledger = client.get("/api/v1/me/ledger").json()
    assert ledger["citizen"] == citizen
    [entry] = ledger["entries"]
    assert (entry["status"], entry["points"], entry["methodology"]) == (
        "accepted",
        214,
        "cycling@2022-08",
    )
    assert ledger["totals"]["balance"] == 214
    assert httpx.get(f"{url}/api/v1/me/ledger").status_code == 401


def test_the_government_ledger_needs_the_reports_role(served: Served) -> None:
    platform, url = served
    query = f"/api/v1/admin/ledger?{_range(platform)}"
    with factories.operator_client(url, platform, ("reports",)) as reports:
        allowed = reports.get(query)
    with factories.operator_client(url, platform, ("points",)) as points:
        refused = points.get(query)
    _, citizen = factories.citizen_client(url, platform)
    with citizen:
        stranger = citizen.get(query)
    assert allowed.status_code == 200
    assert {"totals", "by_scenario", "by_region", "by_partner", "by_day", "points"} <= set(
        allowed.json()
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "missing_role")
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (401, "not_logged_in")


def test_the_dashboard_is_public_and_counts_new_credits(served: Served) -> None:
    platform, url = served
    before = httpx.get(f"{url}/api/v1/dashboard").json()["totals"]
    partner = factories.add_partner(platform)
    with PartnerClient(url, partner.id, partner.key) as client:
        _credited(served, partner, client, 2)
    after = httpx.get(f"{url}/api/v1/dashboard").json()["totals"]
    assert after["accepted"] == before["accepted"] + 2
    assert after["participants"] == before["participants"] + 1
    assert after["reduction_mg"] > before["reduction_mg"]
