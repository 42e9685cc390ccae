"""The points routes over real HTTP: award rules and campaigns for operators with the `points`
role, the public list of running campaigns, a citizen's points — with every refusal (no login,
no role, no CSRF token, a bad body, an unknown or closed campaign, a reused key)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from carbonledger import clock
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from tests import factories
from tests.factories import MadePartner, record

Served = tuple[Platform, str]
RULES = "/api/v1/admin/points/rules"
CAMPAIGNS = "/api/v1/admin/points/campaigns"
# Campaigns here cover a region no other test of this module reports from, so their bonuses
# change no other test's points.
XINJIANG, TIBET = "650000", "540000"


@pytest.fixture
def operator(served: Served) -> Iterator[httpx.Client]:
    with factories.operator_client(served[1], served[0], roles=("points",)) as client:
        yield client


def campaign_body(**changes: Any) -> dict[str, Any]:
    now = clock.now()
    return {
        "id": f"xj-{factories.next_serial()}",
        "name_zh": "新疆绿色出行双倍积分",
        "name_en": "Double points for green travel in Xinjiang",
        "starts_at": (now - timedelta(hours=2)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        "multiplier_permille": 2000,
        "categories": ["green_travel"],
        "regions": [XINJIANG],
        "budget": 1000,
        **changes,
    }


def error_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    code: str = response.json()["error"]["code"]
    return code


def test_an_operator_sets_the_award_rules(served: Served, operator: httpx.Client) -> None:
    assert operator.get(RULES).json()["mg_per_point"] == 1000
    try:
        changed = operator.put(RULES, json={"mg_per_point": 2000, "daily_cap": 800})
        assert changed.status_code == 200, changed.text
        body = operator.get(RULES).json()
        assert (body["mg_per_point"], body["daily_cap"]) == (2000, 800)
        assert body["set_by"].startswith("operator-") and body["set_at"]
    finally:
        restored = operator.put(RULES, json={"mg_per_point": 1000, "daily_cap": None})
    assert restored.json()["earlier"][0]["mg_per_point"] == 2000


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"mg_per_point": 0, "daily_cap": -1}, "invalid_rules"),
        ({"mg_per_point": 1000}, "invalid_request"),
        ({"mg_per_point": "many", "daily_cap": None}, "invalid_request"),
        ({"mg_per_point": 1000, "daily_cap": None, "extra": 1}, "invalid_request"),
    ],
)
def test_bad_rules_are_refused(operator: httpx.Client, body: dict[str, Any], code: str) -> None:
    assert error_of(operator.put(RULES, json=body), 400) == code
    assert operator.get(RULES).json()["mg_per_point"] == 1000


def test_points_routes_refuse_who_may_not_use_them(served: Served) -> None:
    platform, url = served
    _, citizen = factories.citizen_client(url, platform)
    reports = factories.operator_client(url, platform, roles=("reports",))
    points = factories.operator_client(url, platform, roles=("points",))
    with citizen, reports, points:
        assert error_of(httpx.get(f"{url}{RULES}"), 401) == "not_logged_in"
        assert error_of(citizen.get(RULES), 401) == "not_logged_in"
        assert error_of(reports.get(CAMPAIGNS), 403) == "missing_role"
        assert error_of(reports.post(CAMPAIGNS, json=campaign_body()), 403) == "missing_role"
        assert error_of(httpx.get(f"{url}/api/v1/me/points"), 401) == "not_logged_in"
        without_token = httpx.Client(base_url=url, cookies=points.cookies)
        with without_token:
            answer = without_token.put(RULES, json={"mg_per_point": 1, "daily_cap": None})
        assert error_of(answer, 403) == "csrf_failed"
        assert points.get(RULES).json()["mg_per_point"] == 1000


def test_a_campaign_from_creation_to_closing(served: Served, operator: httpx.Client) -> None:
    url = served[1]
    body = campaign_body()
    created = operator.post(CAMPAIGNS, json=body)
    assert created.status_code == 201, created.text
    shown = created.json()
    assert (shown["status"], shown["budget"], shown["budget_left"]) == ("open", 1000, 1000)
    public = {c["id"]: c for c in httpx.get(f"{url}/api/v1/campaigns").json()}
    assert public[body["id"]]["name_zh"] == body["name_zh"]
    assert public[body["id"]]["regions"] == [XINJIANG]
    assert "created_by" not in public[body["id"]]

    top_up = f"{CAMPAIGNS}/{body['id']}/top-ups"
    first = operator.post(top_up, json={"points": 500, "idempotency_key": "t-1"})
    again = operator.post(top_up, json={"points": 500, "idempotency_key": "t-1"})
    assert first.json()["budget_left"] == again.json()["budget_left"] == 1500
    reused = operator.post(top_up, json={"points": 700, "idempotency_key": "t-1"})
    assert error_of(reused, 409) == "idempotency_key_reused"
    bad = operator.post(top_up, json={"points": 0, "idempotency_key": "t-2"})
    assert error_of(bad, 400) == "invalid_request"

    closed = operator.post(f"{CAMPAIGNS}/{body['id']}/close")
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["budget_left"]) == ("closed", 0)
    assert body["id"] not in {c["id"] for c in httpx.get(f"{url}/api/v1/campaigns").json()}
    listed = {c["id"]: c for c in operator.get(CAMPAIGNS).json()}
    assert listed[body["id"]]["closed_by"] == closed.json()["closed_by"]
    again_closed = operator.post(f"{CAMPAIGNS}/{body['id']}/close")
    assert error_of(again_closed, 409) == "campaign_closed"
    late = operator.post(top_up, json={"points": 5, "idempotency_key": "t-3"})
    assert error_of(late, 409) == "campaign_closed"


def test_campaign_refusals(operator: httpx.Client) -> None:
    wrong = operator.post(
        CAMPAIGNS,
        json=campaign_body(id="no spaces", multiplier_permille=500, scenarios=["teleporting"]),
    )
    assert error_of(wrong, 400) == "invalid_campaign"
    message = wrong.json()["error"]["message"]
    assert "id must be" in message and "multiplier_permille" in message
    assert "teleporting" in message
    naive = operator.post(CAMPAIGNS, json=campaign_body(starts_at="2026-09-22T00:00:00"))
    assert "time zone" in naive.json()["error"]["message"]
    assert error_of(operator.post(CAMPAIGNS, json={"id": "x"}), 400) == "invalid_request"
    body = campaign_body()
    assert operator.post(CAMPAIGNS, json=body).status_code == 201
    assert error_of(operator.post(CAMPAIGNS, json=body), 409) == "campaign_exists"
    unknown = operator.post(f"{CAMPAIGNS}/nothing-here/close")
    assert error_of(unknown, 404) == "unknown_campaign"


def test_a_citizen_sees_their_points_and_what_expires(
    served: Served, partner: tuple[MadePartner, PartnerClient], operator: httpx.Client
) -> None:
    platform, url = served
    citizen_id, citizen = factories.citizen_client(url, platform)
    factories.link(platform, partner[0].id, "rider", citizen_id)
    operator.post(CAMPAIGNS, json=campaign_body(budget=100, regions=[TIBET]))
    start = clock.now() - timedelta(hours=1)
    sent = partner[1].submit(
        [
            record("cycling", user="rider", start=start, region=TIBET),
            record("cycling", user="rider", start=start - timedelta(hours=2)),
        ]
    )
    assert [r["points"] for r in sent.json()["results"]] == [214 + 100, 214]
    with citizen:
        mine = citizen.get("/api/v1/me/points", params={"limit": 2})
        assert mine.status_code == 200, mine.text
        body = mine.json()
        too_many = citizen.get("/api/v1/me/points", params={"limit": 0})
    assert body["balance"] == 214 * 2 + 100
    year = clock.now().astimezone(platform.settings.zone).year
    assert body["expiring"] == [
        {"earned_year": year, "points": 528, "last_day": f"{year + 1}-12-31"}
    ]
    assert len(body["movements"]) == 2
    assert {m["direction"] for m in body["movements"]} == {"in"}
    assert {m["kind"] for m in body["movements"]} <= {"award", "bonus"}
    assert all(m["record"] and m["leaf_index"] is not None for m in body["movements"])
    assert error_of(too_many, 400) == "invalid_request"


def test_openapi_describes_the_points_routes(served: Served) -> None:
    paths = httpx.get(f"{served[1]}/openapi.json").json()["paths"]
    expected = {
        (RULES, "get"): {"401", "403"},
        (RULES, "put"): {"400", "401", "403"},
        (CAMPAIGNS, "get"): {"401", "403"},
        (CAMPAIGNS, "post"): {"400", "401", "403", "409"},
        (f"{CAMPAIGNS}/{{campaign_id}}/top-ups", "post"): {"400", "401", "403", "404", "409"},
        (f"{CAMPAIGNS}/{{campaign_id}}/close", "post"): {"401", "403", "404", "409"},
        ("/api/v1/campaigns", "get"): set(),
        ("/api/v1/me/points", "get"): {"400", "401", "403"},
    }
    for (path, method), errors in expected.items():
        responses = paths[path][method]["responses"]
        assert errors <= set(responses), (path, method, set(responses))
        assert "422" not in responses
