"""Check-in, quiz and volunteer event routes over real HTTP, with their refusals: no login, no
CSRF token, no operator role, twice in a day, a wrong code, a full event, and another citizen's
data never shown."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from carbonledger import clock
from carbonledger.accounts import sessions
from carbonledger.platform import Platform
from tests import factories

Served = tuple[Platform, str]
ANY_ID = "01JD0000000000000000000000"  # a well-formed id nothing has
CITIZEN_ROUTES = [
    ("GET", "/api/v1/me/checkin"),
    ("POST", "/api/v1/me/checkin"),
    ("GET", "/api/v1/me/quiz"),
    ("POST", f"/api/v1/me/quiz/{ANY_ID}"),
    ("GET", "/api/v1/me/events"),
    ("PUT", f"/api/v1/me/events/{ANY_ID}"),
    ("DELETE", f"/api/v1/me/events/{ANY_ID}"),
    ("POST", f"/api/v1/me/events/{ANY_ID}/attendance"),
]
OPERATOR_ROUTES = [
    ("GET", "/api/v1/admin/engagement/rules"),
    ("PATCH", "/api/v1/admin/engagement/rules"),
    ("GET", "/api/v1/admin/engagement/budgets"),
    ("POST", "/api/v1/admin/engagement/budgets/checkin"),
    ("GET", "/api/v1/admin/quiz/questions"),
    ("POST", "/api/v1/admin/quiz/questions"),
    ("DELETE", f"/api/v1/admin/quiz/questions/{ANY_ID}"),
    ("POST", "/api/v1/admin/events"),
]


def _error(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def _event_body(**changes: object) -> dict[str, object]:
    starts = clock.now() + timedelta(days=2)
    return {
        "kind": "tree_planting",
        "name_zh": "奥森植树",
        "name_en": "Olympic Forest Park tree planting",
        "place": "奥森南门",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 2,
        "points_per_hour": 15,
        "budget": 300,
        **changes,
    }


@pytest.fixture
def operator(served: Served) -> httpx.Client:
    platform, url = served
    return factories.operator_client(url, platform, ("points",))


@pytest.mark.parametrize(("method", "path"), CITIZEN_ROUTES)
def test_citizen_routes_need_a_login(served: Served, method: str, path: str) -> None:
    answer = httpx.request(method, served[1] + path, json={"choice": 0, "code": "X"})
    assert _error(answer) == (401, "not_logged_in")


@pytest.mark.parametrize(("method", "path"), [r for r in CITIZEN_ROUTES if r[0] != "GET"])
def test_citizen_changes_need_the_csrf_token(served: Served, method: str, path: str) -> None:
    platform, url = served
    _, client = factories.citizen_client(url, platform)
    with client:
        answer = client.request(
            method, path, json={"choice": 0, "code": "X"}, headers={sessions.CSRF_HEADER: "no"}
        )
    assert _error(answer) == (403, "csrf_failed")


@pytest.mark.parametrize(("method", "path"), OPERATOR_ROUTES)
@pytest.mark.parametrize("who", ["citizen", "operator without the points role"])
def test_operator_routes_need_the_points_role(
    served: Served, method: str, path: str, who: str
) -> None:
    platform, url = served
    if who == "citizen":
        client, expected = factories.citizen_client(url, platform)[1], (401, "not_logged_in")
    else:
        client, expected = (
            factories.operator_client(url, platform, ("reports",)),
            (
                403,
                "missing_role",
            ),
        )
    with client:
        assert _error(client.request(method, path, json={})) == expected


def test_a_citizen_checks_in_once_a_day(served: Served, operator: httpx.Client) -> None:
    platform, url = served
    with operator:
        funded = operator.post(
            "/api/v1/admin/engagement/budgets/checkin", json={"points": 500, "key": "checkin-1"}
        )
        again = operator.post(
            "/api/v1/admin/engagement/budgets/checkin", json={"points": 500, "key": "checkin-1"}
        )
        budgets = operator.get("/api/v1/admin/engagement/budgets").json()
    assert funded.status_code == 200 and funded.json()["funded"] is True
    assert again.json()["funded"] is False and again.json()["balance"] == funded.json()["balance"]
    assert {"budget": "checkin", "balance": funded.json()["balance"]} in budgets
    _, client = factories.citizen_client(url, platform)
    with client:
        before = client.get("/api/v1/me/checkin").json()
        done = client.post("/api/v1/me/checkin")
        twice = client.post("/api/v1/me/checkin")
        after = client.get("/api/v1/me/checkin").json()
        points = client.get("/api/v1/me").json()["points"]
    assert (before["done_today"], before["streak"], before["points_today"]) == (False, 0, 5)
    assert done.status_code == 201, done.text
    assert {k: done.json()[k] for k in ("streak", "points_due", "points_paid", "notice")} == {
        "streak": 1,
        "points_due": 5,
        "points_paid": 5,
        "notice": None,
    }
    assert _error(twice) == (409, "already_checked_in")
    assert (after["done_today"], after["streak"]) == (True, 1)
    assert points == 5


def test_the_operator_changes_the_rules(served: Served, operator: httpx.Client) -> None:
    with operator:
        bad = operator.patch("/api/v1/admin/engagement/rules", json={"quiz_daily_limit": -1})
        changed = operator.patch("/api/v1/admin/engagement/rules", json={"checkin_base": 7})
        shown = operator.get("/api/v1/admin/engagement/rules").json()
        operator.patch("/api/v1/admin/engagement/rules", json={"checkin_base": 5})
    assert _error(bad) == (400, "invalid_rules")
    assert changed.status_code == 200 and changed.json()["checkin_base"] == 7
    assert shown["checkin_base"] == 7 and shown["quiz_daily_limit"] == 5


def test_the_quiz_never_reveals_answers_and_pays_right_ones(
    served: Served, operator: httpx.Client
) -> None:
    platform, url = served
    question = {
        "prompt_zh": "一棵树一年大约吸收多少二氧化碳？",
        "prompt_en": "About how much CO2 does a tree take up a year?",
        "choices_zh": ["约18千克", "约1吨"],
        "choices_en": ["about 18 kg", "about 1 t"],
        "answer": 0,
    }
    with operator:
        bad = operator.post("/api/v1/admin/quiz/questions", json={**question, "answer": 5})
        added = [
            operator.post("/api/v1/admin/quiz/questions", json={**question, "answer": n})
            for n in (0, 1)
        ]
        operator.post("/api/v1/admin/engagement/budgets/quiz", json={"points": 50, "key": "q"})
        bank = operator.get("/api/v1/admin/quiz/questions").json()
    assert _error(bad) == (400, "invalid_question")
    assert [a.status_code for a in added] == [201, 201]
    answers = {q["question"]: q["answer"] for q in bank}
    assert [answers[a.json()["question"]] for a in added] == [0, 1]
    _, client = factories.citizen_client(url, platform)
    with client:
        dealt = client.get("/api/v1/me/quiz").json()["questions"]
        assert len(dealt) >= 2 and all("answer" not in q for q in dealt)
        first, other = dealt[0]["question"], dealt[1]["question"]
        right = client.post(f"/api/v1/me/quiz/{first}", json={"choice": answers[first]})
        twice = client.post(f"/api/v1/me/quiz/{first}", json={"choice": answers[first]})
        bad_choice = client.post(f"/api/v1/me/quiz/{other}", json={"choice": 9})
        wrong = client.post(f"/api/v1/me/quiz/{other}", json={"choice": 1 - answers[other]})
        unknown = client.post(f"/api/v1/me/quiz/{ANY_ID}", json={"choice": 0})
        shown = client.get("/api/v1/me/quiz").json()
    assert right.status_code == 200, right.text
    assert (right.json()["correct"], right.json()["points_paid"]) == (True, 2)
    assert _error(twice) == (409, "already_answered")
    assert _error(bad_choice) == (400, "invalid_choice")
    assert (wrong.json()["correct"], wrong.json()["points_paid"]) == (False, 0)
    assert _error(unknown) == (404, "unknown_question")
    assert shown["answered"] == 2
    assert [q["answered"] for q in shown["questions"][:2]] == [
        {"correct": True, "points_paid": 2},
        {"correct": False, "points_paid": 0},
    ]


def test_a_retired_question_is_refused_twice(served: Served, operator: httpx.Client) -> None:
    with operator:
        added = operator.post(
            "/api/v1/admin/quiz/questions",
            json={
                "prompt_zh": "问",
                "prompt_en": "Q",
                "choices_zh": ["是", "否"],
                "choices_en": ["yes", "no"],
                "answer": 1,
            },
        ).json()["question"]
        assert operator.delete(f"/api/v1/admin/quiz/questions/{added}").status_code == 204
        again = operator.delete(f"/api/v1/admin/quiz/questions/{added}")
    assert _error(again) == (404, "unknown_question")


def test_citizens_sign_up_for_events_within_capacity(
    served: Served, operator: httpx.Client
) -> None:
    platform, url = served
    with operator:
        invalid = operator.post("/api/v1/admin/events", json=_event_body(capacity=0, kind="x"))
        naive = operator.post(
            "/api/v1/admin/events", json=_event_body(starts_at="2030-01-01T09:00")
        )
        created = operator.post("/api/v1/admin/events", json=_event_body())
    assert _error(invalid) == (400, "invalid_event")
    assert _error(naive) == (400, "invalid_request")
    assert created.status_code == 201, created.text
    event = created.json()
    assert len(event["attendance_code"]) == 8 and event["balance"] == 300
    listed = httpx.get(f"{url}/api/v1/events").json()
    assert any(e["event"] == event["event"] and e["places_left"] == 2 for e in listed)
    assert all("attendance_code" not in e for e in listed)
    path = f"/api/v1/me/events/{event['event']}"
    (_, first), (_, second), (_, third) = (factories.citizen_client(url, platform) for _ in "abc")
    with first, second, third:
        assert first.put(path).status_code == 201
        assert first.put(path).status_code == 200
        assert second.put(path).status_code == 201
        assert _error(third.put(path)) == (409, "event_full")
        too_early = first.post(f"{path}/attendance", json={"code": event["attendance_code"]})
        assert _error(too_early) == (409, "attendance_closed")
        assert [e["event"] for e in first.get("/api/v1/me/events").json()] == [event["event"]]
        assert third.get("/api/v1/me/events").json() == []
        assert second.delete(path).status_code == 204
        assert _error(second.delete(path)) == (404, "not_signed_up")
        assert third.put(path).status_code == 201
        assert _error(third.put(f"/api/v1/me/events/{ANY_ID}")) == (
            404,
            "unknown_event",
        )
    listed = httpx.get(f"{url}/api/v1/events").json()
    assert next(e for e in listed if e["event"] == event["event"])["places_left"] == 0


def test_attendance_is_paid_once_for_the_right_code(served: Served) -> None:
    platform, url = served
    citizen, client = factories.citizen_client(url, platform)
    # An event that began an hour ago, created and signed up for before it began.
    event, code = factories.started_event(platform, citizen)
    path = f"/api/v1/me/events/{event}/attendance"
    with client:
        wrong = client.post(path, json={"code": "ABCD-EFGH"})
        right = client.post(path, json={"code": code.lower()})
        twice = client.post(path, json={"code": code})
        withdraw = client.delete(f"/api/v1/me/events/{event}")
        mine = client.get("/api/v1/me/events").json()
    assert _error(wrong) == (403, "wrong_attendance_code")
    assert right.status_code == 200, right.text
    assert (right.json()["points_due"], right.json()["points_paid"]) == (40, 40)
    assert _error(twice) == (409, "already_attended")
    assert _error(withdraw) == (409, "already_attended")
    assert (mine[0]["event"], mine[0]["points_paid"]) == (event, 40)


def test_openapi_describes_the_engagement_routes(served: Served) -> None:
    paths = httpx.get(f"{served[1]}/openapi.json").json()["paths"]
    for method, path in [*CITIZEN_ROUTES, *OPERATOR_ROUTES, ("GET", "/api/v1/events")]:
        template = path.replace(
            ANY_ID, "{" + ("question" if "quiz" in path else "event") + "}"
        ).replace("budgets/checkin", "budgets/{budget}")
        responses = paths[template][method.lower()]["responses"]
        if template.startswith(("/api/v1/me", "/api/v1/admin")):
            assert {"401", "403"} <= set(responses), (method, path)
