"""Rewards over real HTTP: merchants list and manage rewards, confirm vouchers and read their
settlement (signed); citizens browse, redeem, retry, list and cancel (logged in); the operator
suspends and restores (role `points`); with every refusal on the way."""

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

Served = tuple[Platform, str]


def _future(days: int) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


REWARD = {
    "kind": "metro_topup",
    "name_zh": "地铁充值 5 元",
    "name_en": "Metro top-up, 5 yuan",
    "price": 500,
    "stock": 2,
    "per_citizen_limit": 1,
    "valid_until": _future(30),
}


@pytest.fixture
def citizen(served: Served) -> Iterator[tuple[str, httpx.Client]]:
    platform, url = served
    citizen_id, client = factories.citizen_client(url, platform)
    factories.grant_points(platform, citizen_id, 1200)
    with client:
        yield citizen_id, client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def _listed(served: Served, merchant: PartnerClient, **changes: Any) -> dict[str, Any]:
    """A reward the merchant listed and the operator approved."""
    pending = _ok(merchant.request("POST", "/api/v1/merchant/rewards", {**REWARD, **changes}), 201)
    assert pending["status"] == "pending"
    platform, url = served
    with factories.operator_client(url, platform, roles=("points",)) as operator:
        return _ok(operator.post(f"/api/v1/admin/rewards/{pending['id']}/restore"))


def _redeem(client: httpx.Client, reward: str, key: str = "key-1") -> httpx.Response:
    return client.post("/api/v1/me/redemptions", json={"reward": reward, "idempotency_key": key})


def test_a_merchant_lists_changes_and_withdraws_a_reward(
    served: Served, merchant: PartnerClient
) -> None:
    reward = _listed(served, merchant)
    assert (reward["status"], reward["kind_zh"], reward["kind_en"]) == (
        "active",
        "地铁充值",
        "Metro top-up",
    )
    public = _ok(httpx.get(f"{served[1]}/api/v1/rewards", params={"kind": "metro_topup"}))
    assert reward["id"] in [r["id"] for r in public["rewards"]]
    path = f"/api/v1/merchant/rewards/{reward['id']}"
    changed = _ok(merchant.request("PATCH", path, {"price": 600, "stock": 5}))
    assert (changed["price"], changed["stock"], changed["name_en"]) == (600, 5, REWARD["name_en"])
    _refused(merchant.request("PATCH", path, {"price": None}), 400, "invalid_reward")
    unlimited = _ok(merchant.request("PATCH", path, {"per_citizen_limit": None}))
    assert (unlimited["per_citizen_limit"], unlimited["price"]) == (None, 600)
    own = _ok(merchant.request("GET", "/api/v1/merchant/rewards"))["rewards"]
    assert [(r["id"], r["redemptions"]) for r in own] == [
        (reward["id"], {"reserved": 0, "confirmed": 0, "voided": 0})
    ]
    assert _ok(merchant.request("POST", f"{path}/withdraw"))["status"] == "withdrawn"
    _refused(merchant.request("PATCH", path, {"stock": 9}), 410, "reward_withdrawn")
    public = _ok(httpx.get(f"{served[1]}/api/v1/rewards"))
    assert reward["id"] not in [r["id"] for r in public["rewards"]]


def test_bad_reward_terms_are_refused_with_every_problem(merchant: PartnerClient) -> None:
    bad = {**REWARD, "price": 0, "kind": "spa_day", "valid_until": _future(-1)}
    answer = merchant.request("POST", "/api/v1/merchant/rewards", bad)
    _refused(answer, 400, "invalid_reward")
    for word in ("price", "kind", "valid_until"):
        assert word in answer.json()["error"]["message"]
    _refused(
        merchant.request("POST", "/api/v1/merchant/rewards", {**REWARD, "price": "500"}),
        400,
        "invalid_reward",
    )
    naive = {**REWARD, "valid_until": "2030-01-01T00:00:00"}
    _refused(merchant.request("POST", "/api/v1/merchant/rewards", naive), 400, "invalid_reward")


def test_a_merchant_touches_only_its_own_rewards(served: Served, merchant: PartnerClient) -> None:
    platform, url = served
    reward = _listed(served, merchant)
    other = factories.add_partner(platform, role="both")
    with PartnerClient(url, other.id, other.key) as client:
        path = f"/api/v1/merchant/rewards/{reward['id']}"
        _refused(client.request("PATCH", path, {"stock": 0}), 404, "unknown_reward")
        _refused(client.request("POST", f"{path}/withdraw"), 404, "unknown_reward")
        assert _ok(client.request("GET", "/api/v1/merchant/rewards"))["rewards"] == []


def test_a_data_only_partner_is_refused_on_merchant_routes(served: Served) -> None:
    platform, url = served
    data = factories.add_partner(platform, role="data")
    with PartnerClient(url, data.id, data.key) as client:
        for method, path in (
            ("POST", "/api/v1/merchant/rewards"),
            ("GET", "/api/v1/merchant/rewards"),
            ("PATCH", "/api/v1/merchant/rewards/any"),
            ("POST", "/api/v1/merchant/rewards/any/withdraw"),
            ("GET", "/api/v1/merchant/vouchers/ANY"),
            ("POST", "/api/v1/merchant/vouchers/ANY/confirm"),
            ("GET", "/api/v1/merchant/settlement"),
        ):
            _refused(client.request(method, path, REWARD), 403, "not_a_merchant")
    _refused(httpx.get(f"{url}/api/v1/merchant/rewards"), 401, "missing_header")


def test_a_citizen_redeems_retries_lists_and_cancels(
    served: Served, merchant: PartnerClient, citizen: tuple[str, httpx.Client]
) -> None:
    _, client = citizen
    reward = _listed(served, merchant)
    first = _ok(_redeem(client, reward["id"]), 201)
    assert (first["state"], first["points"], first["replayed"]) == ("reserved", 500, False)
    again = _ok(_redeem(client, reward["id"]))
    assert (again["id"], again["voucher"], again["replayed"]) == (
        first["id"],
        first["voucher"],
        True,
    )
    assert _ok(client.get("/api/v1/me"))["points"] == 700
    mine = _ok(client.get("/api/v1/me/redemptions"))["redemptions"]
    assert [(r["id"], r["voucher"]) for r in mine] == [(first["id"], first["voucher"])]
    _refused(_redeem(client, reward["id"], "key-2"), 409, "redemption_limit_reached")
    cancelled = _ok(client.post(f"/api/v1/me/redemptions/{first['id']}/cancel"))
    assert (cancelled["state"], cancelled["void_reason"]) == ("voided", "cancelled")
    assert _ok(client.get(f"/api/v1/me/redemptions/{first['id']}"))["state"] == "voided"
    assert _ok(client.get("/api/v1/me"))["points"] == 1200
    _refused(client.post(f"/api/v1/me/redemptions/{first['id']}/cancel"), 409, "already_voided")


def test_redeeming_refusals(
    served: Served, merchant: PartnerClient, citizen: tuple[str, httpx.Client]
) -> None:
    platform, url = served
    _, client = citizen
    dear = _listed(served, merchant, price=5000)
    _refused(_redeem(client, dear["id"]), 409, "insufficient_points")
    _refused(_redeem(client, "01NOSUCHREWARD"), 404, "unknown_reward")
    _refused(_redeem(client, dear["id"], "spaces are not allowed"), 400, "invalid_redemption")
    last = _listed(served, merchant, stock=1)
    _ok(_redeem(client, last["id"], "key-last"), 201)
    other_id, other = factories.citizen_client(url, platform)
    factories.grant_points(platform, other_id, 500)
    with other:
        _refused(_redeem(other, last["id"]), 409, "out_of_stock")
        assert _ok(other.get("/api/v1/me"))["points"] == 500


def test_citizen_routes_need_a_login_and_the_csrf_token(
    served: Served, merchant: PartnerClient, citizen: tuple[str, httpx.Client]
) -> None:
    platform, url = served
    _, client = citizen
    reward = _listed(served, merchant)
    mine = _ok(_redeem(client, reward["id"]), 201)
    body = {"reward": reward["id"], "idempotency_key": "k"}
    _refused(httpx.post(f"{url}/api/v1/me/redemptions", json=body), 401, "not_logged_in")
    _refused(httpx.get(f"{url}/api/v1/me/redemptions"), 401, "not_logged_in")
    no_csrf = httpx.Client(base_url=url, cookies=client.cookies)
    with no_csrf:
        _refused(no_csrf.post("/api/v1/me/redemptions", json=body), 403, "csrf_failed")
    _, stranger = factories.citizen_client(url, platform)
    with stranger:
        path = f"/api/v1/me/redemptions/{mine['id']}"
        _refused(stranger.get(path), 404, "unknown_redemption")
        _refused(stranger.post(f"{path}/cancel"), 404, "unknown_redemption")
        assert _ok(stranger.get("/api/v1/me/redemptions"))["redemptions"] == []
    assert _ok(client.get(f"/api/v1/me/redemptions/{mine['id']}"))["state"] == "reserved"


def test_a_merchant_confirms_its_own_vouchers_once_and_settles(
    served: Served, merchant: PartnerClient, citizen: tuple[str, httpx.Client]
) -> None:
    platform, url = served
    _, client = citizen
    reward = _listed(served, merchant)
    voucher = _ok(_redeem(client, reward["id"]), 201)["voucher"]
    other = factories.add_partner(platform, role="merchant")
    with PartnerClient(url, other.id, other.key) as stranger:
        path = f"/api/v1/merchant/vouchers/{voucher}"
        _refused(stranger.request("GET", path), 404, "unknown_voucher")
        _refused(stranger.request("POST", f"{path}/confirm"), 404, "unknown_voucher")
    checked = _ok(merchant.request("GET", f"/api/v1/merchant/vouchers/{voucher.lower()}"))
    assert (checked["state"], checked["points"]) == ("reserved", 500)
    confirmed = _ok(merchant.request("POST", f"/api/v1/merchant/vouchers/{voucher}/confirm"))
    assert confirmed["state"] == "confirmed"
    _refused(
        merchant.request("POST", f"/api/v1/merchant/vouchers/{voucher}/confirm"),
        409,
        "already_confirmed",
    )
    today = clock.now().astimezone(platform.settings.zone).date().isoformat()
    statement = _ok(merchant.request("GET", f"/api/v1/merchant/settlement?from={today}&to={today}"))
    assert statement["merchant"] == merchant.partner_id
    assert (statement["from"], statement["to"]) == (today, today)
    assert statement["lines"] == [
        {
            "day": today,
            "reward": reward["id"],
            "kind": "metro_topup",
            "name_zh": REWARD["name_zh"],
            "name_en": REWARD["name_en"],
            "confirmed": 1,
            "points": 500,
        }
    ]
    assert statement["totals"] == {"confirmed": 1, "points": 500}
    with PartnerClient(url, other.id, other.key) as stranger:
        theirs = _ok(stranger.request("GET", f"/api/v1/merchant/settlement?from={today}"))
        assert theirs["lines"] == [] and theirs["totals"] == {"confirmed": 0, "points": 0}
    _refused(
        merchant.request("GET", f"/api/v1/merchant/settlement?from={today}&to=2000-01-01"),
        400,
        "invalid_range",
    )
    _refused(
        merchant.request("GET", "/api/v1/merchant/settlement?from=soon"), 400, "invalid_request"
    )


def test_the_operator_suspends_and_restores_rewards(
    served: Served, merchant: PartnerClient, citizen: tuple[str, httpx.Client]
) -> None:
    platform, url = served
    _, client = citizen
    reward = _listed(served, merchant)
    with factories.operator_client(url, platform, roles=("points",)) as operator:
        listed = _ok(
            operator.get("/api/v1/admin/rewards", params={"merchant": merchant.partner_id})
        )
        assert [r["id"] for r in listed["rewards"]] == [reward["id"]]
        path = f"/api/v1/admin/rewards/{reward['id']}"
        assert _ok(operator.post(f"{path}/suspend"))["status"] == "suspended"
        _refused(_redeem(client, reward["id"]), 409, "reward_suspended")
        suspended = _ok(operator.get("/api/v1/admin/rewards", params={"status": "suspended"}))
        assert reward["id"] in [r["id"] for r in suspended["rewards"]]
        assert _ok(operator.post(f"{path}/restore"))["status"] == "active"
        _ok(_redeem(client, reward["id"]), 201)
        _refused(operator.post("/api/v1/admin/rewards/01NOSUCH/suspend"), 404, "unknown_reward")
    with factories.operator_client(url, platform, roles=("reviewer",)) as reviewer:
        _refused(reviewer.get("/api/v1/admin/rewards"), 403, "missing_role")
        _refused(reviewer.post(f"{path}/suspend"), 403, "missing_role")
    _refused(client.get("/api/v1/admin/rewards"), 401, "not_logged_in")


def test_openapi_describes_the_reward_routes(served: Served) -> None:
    document = _ok(httpx.get(f"{served[1]}/openapi.json"))
    paths = document["paths"]
    expected = {
        "/api/v1/rewards": {"get"},
        "/api/v1/me/redemptions": {"get", "post"},
        "/api/v1/me/redemptions/{redemption_id}": {"get"},
        "/api/v1/me/redemptions/{redemption_id}/cancel": {"post"},
        "/api/v1/admin/rewards": {"get"},
        "/api/v1/admin/rewards/{reward_id}/suspend": {"post"},
        "/api/v1/admin/rewards/{reward_id}/restore": {"post"},
        "/api/v1/merchant/rewards": {"get", "post"},
        "/api/v1/merchant/rewards/{reward_id}": {"patch"},
        "/api/v1/merchant/rewards/{reward_id}/withdraw": {"post"},
        "/api/v1/merchant/vouchers/{code}": {"get"},
        "/api/v1/merchant/vouchers/{code}/confirm": {"post"},
        "/api/v1/merchant/settlement": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
    create = paths["/api/v1/merchant/rewards"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert {"kind", "price", "stock", "valid_until"} <= set(body["properties"])
    assert {"400", "401", "403"} <= set(create["responses"])
    assert {"404", "409", "410"} <= set(paths["/api/v1/me/redemptions"]["post"]["responses"])


def test_a_merchants_new_reward_goes_live_only_once_an_operator_approves_it(
    served: Served, merchant: PartnerClient
) -> None:
    platform, url = served
    pending = _ok(merchant.request("POST", "/api/v1/merchant/rewards", REWARD), 201)
    assert pending["status"] == "pending"
    public = _ok(httpx.get(f"{url}/api/v1/rewards"))["rewards"]
    assert pending["id"] not in [r["id"] for r in public]
    with factories.operator_client(url, platform, roles=("points",)) as operator:
        page = operator.get("/console/rewards")
        assert "待审核" in page.text and "批准上架" in page.text
        approved = _ok(operator.post(f"/api/v1/admin/rewards/{pending['id']}/restore"))
    assert approved["status"] == "active"
    public = _ok(httpx.get(f"{url}/api/v1/rewards"))["rewards"]
    assert pending["id"] in [r["id"] for r in public]
