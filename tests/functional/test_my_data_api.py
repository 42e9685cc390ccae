"""A citizen's own data over HTTP: the partner links and link codes (`/api/v1/me/links`,
`/api/v1/me/link-codes`) and the data download (`/api/v1/me/export`, JSON or CSV files in a ZIP),
with every refusal — nobody logged in, a forged change, an unknown or merchant-only partner — and
never another citizen's data in mine."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from datetime import datetime, timedelta

import httpx
import pytest

from carbonledger import clock
from carbonledger.accounts import sessions
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from carbonledger.translog.pseudonyms import account_of_opening
from tests import factories
from tests.browser.citizen import add_event, add_project, sign_up

Served = tuple[Platform, str]


def _credited(platform: Platform, url: str, citizen_id: str, user: str) -> list[str]:
    """Two credits for the citizen from a new partner; their record ids."""
    made = factories.add_partner(platform)
    factories.link(platform, made.id, user, citizen_id)
    with PartnerClient(url, made.id, made.key) as client:
        answer = client.submit(
            [
                factories.record(user=user),
                factories.record(user=user, start=clock.now() - timedelta(hours=4)),
            ]
        ).json()
    assert answer["summary"]["accepted"] == 2, answer
    return [result["record"] for result in answer["results"]]


def _public_leaf(url: str, index: int) -> dict[str, object]:
    """The leaf at `index` as anyone reads it from the public log."""
    deadline = time.monotonic() + 10
    while (entry := httpx.get(f"{url}/api/v1/log/entries/{index}")).status_code != 200:
        assert time.monotonic() < deadline, entry.text
        time.sleep(0.05)
    leaf: dict[str, object] = json.loads(entry.json()["leaf"])
    return leaf


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_link_code_links_my_account_and_unlinking_ends_it(served: Served) -> None:
    platform, url = served
    made = factories.add_partner(platform)
    _, client = factories.citizen_client(url, platform)
    with client, PartnerClient(url, made.id, made.key) as partner:
        assert client.get("/api/v1/me/links").json() == []
        offer = client.post("/api/v1/me/link-codes", json={"partner": made.id})
        assert offer.status_code == 201, offer.text
        body = offer.json()
        assert body["partner"] == made.id and len(body["code"]) == 8
        minutes = platform.settings.link_code_minutes
        left = datetime.fromisoformat(body["expires_at"]) - clock.now()
        assert timedelta(minutes=minutes - 1) < left <= timedelta(minutes=minutes)
        assert partner.link("p-42", body["code"]).status_code == 201
        [link] = client.get("/api/v1/me/links").json()
        assert (link["partner"], link["user"], link["name"]) == (made.id, "p-42", made.id.title())
        assert client.delete(f"/api/v1/me/links/{made.id}").status_code == 204
        assert client.get("/api/v1/me/links").json() == []
        assert _error(client.delete(f"/api/v1/me/links/{made.id}")) == (404, "not_linked")


@pytest.mark.parametrize("role", ["merchant", None])
def test_a_link_code_is_only_for_a_data_partner(served: Served, role: str | None) -> None:
    platform, url = served
    partner = factories.add_partner(platform, role=role).id if role else "no-such-partner"
    _, client = factories.citizen_client(url, platform)
    with client:
        answer = client.post("/api/v1/me/link-codes", json={"partner": partner})
    assert _error(answer) == (404, "unknown_partner")


def test_my_links_are_mine_only(served: Served) -> None:
    platform, url = served
    mine, client = factories.citizen_client(url, platform)
    other = factories.add_citizen(platform)
    _credited(platform, url, other, "someone-else")
    with client:
        assert client.get("/api/v1/me/links").json() == []
        made = factories.add_partner(platform)
        factories.link(platform, made.id, "me", mine)
        assert [link["user"] for link in client.get("/api/v1/me/links").json()] == ["me"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me/links"),
        ("POST", "/api/v1/me/link-codes"),
        ("DELETE", "/api/v1/me/links/any"),
        ("GET", "/api/v1/me/export"),
        ("GET", "/api/v1/me/export?format=csv"),
    ],
)
def test_my_data_needs_a_login(served: Served, method: str, path: str) -> None:
    _, url = served
    answer = httpx.request(method, url + path, json={"partner": "any"})
    assert _error(answer) == (401, "not_logged_in")


def test_an_operator_is_not_a_citizen(served: Served) -> None:
    platform, url = served
    with factories.operator_client(url, platform) as operator:
        assert _error(operator.get("/api/v1/me/export")) == (401, "not_logged_in")


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/api/v1/me/link-codes"), ("DELETE", "/api/v1/me/links/x")]
)
def test_a_change_without_the_csrf_token_is_refused(served: Served, method: str, path: str) -> None:
    platform, url = served
    made = factories.add_partner(platform)
    _, client = factories.citizen_client(url, platform)
    with client:
        answer = client.request(
            method, path, json={"partner": made.id}, headers={sessions.CSRF_HEADER: "forged"}
        )
    assert _error(answer) == (403, "csrf_failed")


def test_the_json_export_holds_my_profile_links_and_records(served: Served) -> None:
    platform, url = served
    citizen_id, client = factories.citizen_client(url, platform)
    mine = _credited(platform, url, citizen_id, "exporter")
    with client:
        answer = client.get("/api/v1/me/export?format=json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-disposition"].endswith('.json"')
    assert answer.headers["cache-control"] == "no-store"
    document = answer.json()
    profile = document["profile"]
    assert profile["citizen"] == citizen_id
    assert profile["name"].startswith("市民") and "*" not in profile["name"]
    assert len(profile["phone"]) == 11 and "*" not in profile["phone"]
    assert len(profile["log_account"]) == 32
    assert "hash" in profile["id_number"]
    assert [link["user"] for link in document["links"]] == ["exporter"]
    assert sorted(record["record"] for record in document["records"]) == sorted(mine)
    assert {record["status"] for record in document["records"]} == {"accepted"}
    # Each credit names the account its leaf carries in the public log, with the opening that
    # proves that name is mine (the day's pseudonym for the record's scenario).
    for record in document["records"]:
        leaf = _public_leaf(url, record["leaf_index"])
        assert record["log_name"] == leaf["account"]
        assert account_of_opening(bytes.fromhex(record["log_opening"])) == leaf["account"]
        assert leaf["day"] == record["day"] and leaf["scenario"] == record["scenario"]


def test_the_csv_export_is_one_file_per_section(served: Served) -> None:
    platform, url = served
    citizen_id, client = factories.citizen_client(url, platform)
    mine = _credited(platform, url, citizen_id, "csv-user")
    with client:
        answer = client.get("/api/v1/me/export?format=csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"].endswith('.csv.zip"')
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert {"profile.csv", "links.csv", "records.csv"} <= set(archive.namelist())

    def rows(name: str) -> list[dict[str, str]]:
        text = archive.read(name).decode("utf-8")
        assert text.startswith("\ufeff")  # so spreadsheet programs read UTF-8
        return list(csv.DictReader(io.StringIO(text[1:])))

    [profile] = rows("profile.csv")
    assert profile["citizen"] == citizen_id and profile["name"].startswith("市民")
    assert sorted(row["record"] for row in rows("records.csv")) == sorted(mine)
    assert [row["user"] for row in rows("links.csv")] == ["csv-user"]


def test_another_citizens_data_is_never_in_my_export(served: Served) -> None:
    platform, url = served
    citizen_id, client = factories.citizen_client(url, platform)
    mine = _credited(platform, url, citizen_id, "me-1")
    other = factories.add_citizen(platform)
    theirs = _credited(platform, url, other, "them-1")
    with client:
        document = client.get("/api/v1/me/export").json()
        archive = client.get("/api/v1/me/export?format=csv").content
    assert sorted(r["record"] for r in document["records"]) == sorted(mine)
    text = str(document) + "".join(
        zipfile.ZipFile(io.BytesIO(archive)).read(name).decode()
        for name in zipfile.ZipFile(io.BytesIO(archive)).namelist()
    )
    for leaked in (*theirs, other, "them-1"):
        assert leaked not in text


def test_a_partner_user_id_cannot_become_a_spreadsheet_formula(served: Served) -> None:
    platform, url = served
    citizen_id, client = factories.citizen_client(url, platform)
    made = factories.add_partner(platform)
    factories.link(platform, made.id, "=HYPERLINK(1)", citizen_id)
    with client:
        archive = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/me/export?format=csv").content))
    [link] = csv.DictReader(io.StringIO(archive.read("links.csv").decode()[1:]))
    assert link["user"] == "'=HYPERLINK(1)"


def test_an_unknown_format_is_refused(served: Served) -> None:
    platform, url = served
    _, client = factories.citizen_client(url, platform)
    with client:
        assert _error(client.get("/api/v1/me/export?format=xml")) == (400, "invalid_request")


def test_a_deleted_account_has_nothing_to_export(served: Served) -> None:
    platform, url = served
    _, client = factories.citizen_client(url, platform)
    with client:
        assert client.delete("/api/v1/me").status_code == 204
        assert _error(client.get("/api/v1/me/export")) == (401, "not_logged_in")


def test_the_export_holds_my_transfers_redemptions_donations_and_events(served: Served) -> None:
    platform, url = served
    citizen_id, client = factories.citizen_client(url, platform)
    factories.grant_points(platform, citizen_id, 1000)
    merchant = factories.add_partner(platform, role="merchant")
    reward = factories.add_reward(platform, merchant.id, price=100)
    project = add_project(platform)
    event, _ = add_event(platform, timedelta(days=3))
    sign_up(platform, event, citizen_id, clock.now())
    with client:
        redeemed = client.post(
            "/api/v1/me/redemptions", json={"reward": reward, "idempotency_key": "r1"}
        )
        donated = client.post(
            "/api/v1/me/donations", json={"project": project, "units": 3, "key": "d1"}
        )
        assert (redeemed.status_code, donated.status_code) == (201, 201)
        document = client.get("/api/v1/me/export").json()
        archive = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/me/export?format=csv").content))
    [redemption] = document["redemptions"]
    assert redemption["voucher"] == redeemed.json()["voucher"]
    assert redemption["state"] == "reserved" and redemption["points"] == 100
    [donation] = document["donations"]
    assert (donation["project"], donation["units"], donation["points"]) == (project, 3, 300)
    [funded] = document["funded"]
    assert (funded["project"], funded["units"], funded["unit_en"]) == (project, 3, "tree")
    [signup] = document["events"]
    assert signup["event"] == event and signup["attended_at"] is None
    assert "replayed" not in redemption and "replayed" not in donation
    kinds = sorted((t["kind"], t["direction"], t["points"]) for t in document["transfers"])
    assert kinds == [("award", "in", 1000), ("donation", "out", 300), ("redemption", "out", 100)]
    assert [e["points"] for e in document["expiring"]] == [600]
    names = set(archive.namelist())
    assert {
        "transfers.csv",
        "redemptions.csv",
        "donations.csv",
        "funded.csv",
        "events.csv",
    } <= names
