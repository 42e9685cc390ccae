"""Projects and donations over real HTTP: the operator opens and closes projects, anyone sees
their progress, a citizen donates whole units by a key and sees what they funded, and nobody
sees another citizen's donations."""

from __future__ import annotations

import httpx
import pytest

from carbonledger.platform import Platform
from tests import factories
from tests.integration.earning import POINTS_PER_TRIP, earn

Served = tuple[Platform, str]
ANY_ID = "01JD0000000000000000000000"  # a well-formed id nothing has
TREES = {
    "kind": "tree_planting",
    "name_zh": "永定河沿岸植树",
    "name_en": "Trees along the Yongding river",
    "unit_zh": "棵",
    "unit_en": "tree",
    "points_per_unit": 100,
    "goal_points": 2000,
}


def _error(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def _project(served: Served, **changes: object) -> str:
    platform, url = served
    with factories.operator_client(url, platform, ("points",)) as operator:
        made = operator.post("/api/v1/admin/projects", json={**TREES, **changes})
    assert made.status_code == 201, made.text
    project: str = made.json()["project"]
    return project


def _citizen(served: Served, trips: int = 2) -> tuple[str, httpx.Client]:
    platform, url = served
    citizen, client = factories.citizen_client(url, platform)
    earn(platform, citizen, trips)
    return citizen, client


def test_a_citizen_donates_trees_and_sees_what_they_funded(served: Served) -> None:
    _, url = served
    project = _project(served)
    _, client = _citizen(served)
    _, other = _citizen(served)
    with client, other:
        first = client.post(
            "/api/v1/me/donations", json={"project": project, "units": 3, "key": "tap-1"}
        )
        retry = client.post(
            "/api/v1/me/donations", json={"project": project, "units": 3, "key": "tap-1"}
        )
        mine = client.get("/api/v1/me/donations").json()
        theirs = other.get("/api/v1/me/donations").json()
        points = client.get("/api/v1/me").json()["points"]
    assert first.status_code == 201, first.text
    assert {k: first.json()[k] for k in ("units", "points", "replayed")} == {
        "units": 3,
        "points": 300,
        "replayed": False,
    }
    assert retry.status_code == 200
    assert retry.json()["replayed"] is True
    assert retry.json()["donation"] == first.json()["donation"]
    assert points == 2 * POINTS_PER_TRIP - 300
    [funded] = mine["funded"]
    assert (funded["project"], funded["units"], funded["unit_zh"], funded["points"]) == (
        project,
        3,
        "棵",
        300,
    )
    assert [d["donation"] for d in mine["recent"]] == [first.json()["donation"]]
    assert theirs == {"funded": [], "recent": []}
    shown = httpx.get(f"{url}/api/v1/projects/{project}").json()
    assert {k: shown[k] for k in ("raised_points", "units_funded", "donors", "goal_units")} == {
        "raised_points": 300,
        "units_funded": 3,
        "donors": 1,
        "goal_units": 20,
    }
    assert any(p["project"] == project for p in httpx.get(f"{url}/api/v1/projects").json())


def test_donation_refusals(served: Served) -> None:
    platform, url = served
    project = _project(served, goal_points=500)
    _, client = _citizen(served, trips=1)
    with client:

        def donate(units: int, key: str, target: str = project) -> httpx.Response:
            return client.post(
                "/api/v1/me/donations", json={"project": target, "units": units, "key": key}
            )

        assert _error(donate(3, "a")) == (409, "insufficient_points")
        assert _error(donate(6, "b")) == (409, "over_goal")
        assert _error(donate(0, "c")) == (400, "invalid_units")
        assert _error(donate(1, "d", ANY_ID)) == (404, "unknown_project")
        assert donate(2, "e").status_code == 201
        assert _error(donate(1, "e")) == (409, "idempotency_key_reused")
        with factories.operator_client(url, platform, ("points",)) as operator:
            closed = operator.put(
                f"/api/v1/admin/projects/{project}/status", json={"status": "closed"}
            )
            bad_status = operator.put(
                f"/api/v1/admin/projects/{project}/status", json={"status": "paused"}
            )
            unknown = operator.put(
                f"/api/v1/admin/projects/{ANY_ID}/status", json={"status": "open"}
            )
            invalid = operator.post("/api/v1/admin/projects", json={**TREES, "goal_points": 150})
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert _error(bad_status) == (400, "invalid_status")
        assert _error(unknown) == (404, "unknown_project")
        assert _error(invalid) == (400, "invalid_project")
        assert _error(donate(1, "f")) == (409, "project_closed")
        assert client.get("/api/v1/me").json()["points"] == POINTS_PER_TRIP - 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/me/donations"), ("POST", "/api/v1/me/donations")],
)
def test_donations_need_a_login(served: Served, method: str, path: str) -> None:
    answer = httpx.request(
        method, served[1] + path, json={"project": ANY_ID, "units": 1, "key": "k"}
    )
    assert _error(answer) == (401, "not_logged_in")


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/v1/admin/projects"), ("PUT", f"/api/v1/admin/projects/{ANY_ID}/status")],
)
def test_project_management_needs_the_points_role(served: Served, method: str, path: str) -> None:
    platform, url = served
    with factories.operator_client(url, platform, ("reviewer",)) as operator:
        assert _error(operator.request(method, path, json={})) == (403, "missing_role")
    with factories.citizen_client(url, platform)[1] as citizen:
        assert _error(citizen.request(method, path, json={})) == (401, "not_logged_in")


def test_openapi_describes_the_donation_routes(served: Served) -> None:
    paths = httpx.get(f"{served[1]}/openapi.json").json()["paths"]
    post = paths["/api/v1/me/donations"]["post"]["responses"]
    assert {"200", "201", "400", "401", "403", "404", "409"} <= set(post)
    assert {"401", "403"} <= set(paths["/api/v1/admin/projects"]["post"]["responses"])
    assert "404" in paths["/api/v1/projects/{project}"]["get"]["responses"]
    assert "400" in paths["/api/v1/admin/projects/{project}/status"]["put"]["responses"]
