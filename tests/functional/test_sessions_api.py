"""Registration, login, sessions and roles over real HTTP, with every refusal: a bad ID number,
a taken phone, a wrong password, password guessing, a change without the CSRF token, a citizen
on an operator route, an operator without the role."""

from __future__ import annotations

import httpx
import pytest

from carbonledger.accounts import sessions
from carbonledger.platform import Platform
from tests import factories


def test_a_citizen_registers_and_is_logged_in(served: tuple[Platform, str]) -> None:
    _, url = served
    answer = factories.register(url)
    assert answer.status_code == 201, answer.text
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    body = answer.json()
    assert body["kind"] == "citizen"
    with httpx.Client(base_url=url, cookies=answer.cookies) as client:
        me = client.get("/api/v1/me").json()
    assert me["citizen"] == body["subject"]
    assert me["name"] == "李**"
    assert "****" in me["phone"]
    assert me["points"] == 0


def test_registration_lists_every_problem(served: tuple[Platform, str]) -> None:
    _, url = served
    answer = factories.register(
        url, id_number="110105194912310021", phone="12345", password="short"
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_citizen"
    assert "check digit" in error["message"]
    assert "phone" in error["message"]
    assert "password" in error["message"]


def test_a_phone_registers_once(served: tuple[Platform, str]) -> None:
    _, url = served
    first = factories.register(url)
    again = factories.register(url, phone=factories.phone(factories.last_serial()))
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_registered"


def test_password_guessing_is_throttled(served: tuple[Platform, str]) -> None:
    platform, url = served
    _, number = factories.new_citizen(platform, factories.PASSWORD)
    for _ in range(sessions.MAX_FAILURES):
        wrong = httpx.post(
            f"{url}/api/v1/session/citizen", json={"phone": number, "password": "guess-123"}
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "bad_credentials"
    locked = httpx.post(
        f"{url}/api/v1/session/citizen", json={"phone": number, "password": factories.PASSWORD}
    )
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) > 0


def test_a_change_without_the_csrf_token_is_refused(served: tuple[Platform, str]) -> None:
    platform, url = served
    citizen_id, client = factories.citizen_client(url, platform)
    with client:
        forged = client.delete("/api/v1/me", headers={sessions.CSRF_HEADER: "forged"})
        bare = httpx.delete(f"{url}/api/v1/me", cookies=client.cookies)
        still = client.get("/api/v1/me")
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "csrf_failed"
    assert bare.status_code == 403
    assert still.json()["citizen"] == citizen_id


def test_a_citizen_deletes_their_account(served: tuple[Platform, str]) -> None:
    platform, url = served
    _, client = factories.citizen_client(url, platform)
    with client:
        assert client.delete("/api/v1/me").status_code == 204
        after = client.get("/api/v1/me")
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "not_logged_in"


def test_logout_ends_the_session(served: tuple[Platform, str]) -> None:
    platform, url = served
    _, client = factories.citizen_client(url, platform)
    with client:
        assert client.get("/api/v1/session").json()["kind"] == "citizen"
        assert client.delete("/api/v1/session").status_code == 204
        assert client.get("/api/v1/session").status_code == 401


@pytest.mark.parametrize("who", ["nobody", "citizen", "operator without admin"])
def test_operator_routes_refuse_everyone_else(served: tuple[Platform, str], who: str) -> None:
    platform, url = served
    if who == "nobody":
        client = httpx.Client(base_url=url)
        expected = (401, "not_logged_in")
    elif who == "citizen":
        client = factories.citizen_client(url, platform)[1]
        expected = (401, "not_logged_in")
    else:
        client = factories.operator_client(url, platform, ("points",))
        expected = (403, "missing_role")
    with client:
        answer = client.get("/api/v1/admin/operators")
    assert (answer.status_code, answer.json()["error"]["code"]) == expected


def test_an_admin_creates_an_operator_who_can_log_in(served: tuple[Platform, str]) -> None:
    platform, url = served
    with factories.operator_client(url, platform) as admin:
        made = admin.post(
            "/api/v1/admin/operators",
            json={
                "operator": "zhang.reviewer",
                "name": "张审核",
                "password": factories.PASSWORD,
                "roles": ["reviewer"],
            },
        )
        listed = admin.get("/api/v1/admin/operators").json()
    assert made.status_code == 201, made.text
    assert {"operator": "zhang.reviewer", "roles": ["reviewer"]}.items() <= next(
        o for o in listed if o["operator"] == "zhang.reviewer"
    ).items()
    login = httpx.post(
        f"{url}/api/v1/session/operator",
        json={"operator": "zhang.reviewer", "password": factories.PASSWORD},
    )
    assert login.status_code == 200
    assert login.json()["roles"] == ["reviewer"]
