"""Operators manage partners over HTTP (role `partners`): a partner registered by an operator is
pending, and the signed API refuses it (403 partner_pending) until it is approved; suspend and
resume; every refusal of a wrong transition."""

from __future__ import annotations

from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonledger.client import PartnerClient
from carbonledger.ingest.signing import public_key_b64
from carbonledger.platform import Platform
from tests import factories
from tests.commands import run
from tests.factories import record

Served = tuple[Platform, str]


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def _register(client: httpx.Client, key: Ed25519PrivateKey, **changes: str) -> httpx.Response:
    body = {
        "partner": f"metro-{factories.next_serial()}",
        "name": "城市地铁",
        "role": "data",
        "public_key": public_key_b64(key),
        **changes,
    }
    return client.post("/api/v1/admin/partners", json=body)


def test_a_registered_partner_is_pending_until_approved(served: Served) -> None:
    platform, url = served
    key = Ed25519PrivateKey.generate()
    with factories.operator_client(url, platform, ("partners",)) as operator:
        answer = _register(operator, key)
        assert answer.status_code == 201, answer.text
        partner_id = answer.json()["partner"]
        assert answer.json()["status"] == "pending"
        with PartnerClient(url, partner_id, key) as client:
            assert _error(client.submit([record(user="nobody")])) == (403, "partner_pending")
            approved = operator.post(f"/api/v1/admin/partners/{partner_id}/approve")
            assert (approved.status_code, approved.json()["status"]) == (200, "active")
            assert client.submit([record(user="nobody")]).status_code == 200
        listed = {p["partner"]: p for p in operator.get("/api/v1/admin/partners").json()}
    assert listed[partner_id]["status"] == "active"
    assert "public_key" not in listed[partner_id]


def test_suspend_and_resume(served: Served) -> None:
    platform, url = served
    made = factories.add_partner(platform)
    with factories.operator_client(url, platform, ("partners",)) as operator:
        suspended = operator.post(f"/api/v1/admin/partners/{made.id}/suspend")
        assert suspended.json()["status"] == "suspended"
        with PartnerClient(url, made.id, made.key) as client:
            assert _error(client.submit([record(user="nobody")])) == (403, "partner_suspended")
            assert _error(operator.post(f"/api/v1/admin/partners/{made.id}/approve")) == (
                409,
                "partner_status",
            )
            resumed = operator.post(f"/api/v1/admin/partners/{made.id}/resume")
            assert resumed.json()["status"] == "active"
            assert client.submit([record(user="nobody")]).status_code == 200


def test_refusals(served: Served) -> None:
    platform, url = served
    made = factories.add_partner(platform)
    key = Ed25519PrivateKey.generate()
    with factories.operator_client(url, platform, ("partners",)) as operator:
        assert _error(operator.post(f"/api/v1/admin/partners/{made.id}/resume")) == (
            409,
            "partner_status",
        )
        assert _error(operator.post("/api/v1/admin/partners/nobody/approve")) == (
            404,
            "unknown_partner",
        )
        assert _error(operator.post(f"/api/v1/admin/partners/{made.id}/delete"))[0] == 400
        assert _error(_register(operator, key, partner=made.id)) == (409, "partner_exists")
        bad = _register(operator, key, role="bank", public_key="not-a-key")
        assert _error(bad) == (400, "invalid_partner")
        assert "role" in bad.json()["error"]["message"]
        without_csrf = httpx.post(
            f"{url}/api/v1/admin/partners/{made.id}/suspend", cookies=operator.cookies
        )
        assert _error(without_csrf) == (403, "csrf_failed")


def test_the_partner_commands_approve_a_pending_partner(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = public_key_b64(Ed25519PrivateKey.generate())
    added = run(
        data_dir, "partner", "add", "metro", "--name", "Metro", "--public-key", key, "--pending"
    )
    assert added.returncode == 0, added.stderr
    assert "pending approval" in added.stdout
    assert run(data_dir, "partner", "resume", "metro").returncode == 1  # not suspended
    approved = run(data_dir, "partner", "approve", "metro")
    assert (approved.returncode, approved.stdout.strip()) == (0, "partner metro active")
    again = run(data_dir, "partner", "approve", "metro")
    assert again.returncode == 1
    assert "partner_status" in again.stderr
