"""Signed-request refusals of PARTNER_API.md §1 and batch limits of §2."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonledger import db
from carbonledger.accounts import service as accounts
from carbonledger.accounts.repository import set_partner
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from tests import factories
from tests.factories import MadePartner, record

Served = tuple[Platform, str]
Partnered = tuple[MadePartner, PartnerClient]


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_missing_headers(served: Served) -> None:
    response = httpx.post(f"{served[1]}/api/v1/records", content=b"{}")
    assert _error(response) == (401, "missing_header")
    assert "X-Partner-Id" in response.json()["error"]["message"]


def test_unknown_partner(served: Served) -> None:
    with PartnerClient(served[1], "nobody", Ed25519PrivateKey.generate()) as client:
        assert _error(client.submit([record()])) == (401, "unknown_partner")


def test_wrong_key(served: Served, partner: Partnered) -> None:
    with PartnerClient(served[1], partner[0].id, Ed25519PrivateKey.generate()) as forger:
        assert _error(forger.submit([record()])) == (401, "bad_signature")


def test_body_changed_after_signing(served: Served, partner: Partnered) -> None:
    client = partner[1]
    body = json.dumps({"records": [record()]}).encode()
    headers = client.headers("POST", "/api/v1/records", body)
    tampered = body.replace(b"4.2", b"42.0")
    response = client.http.post("/api/v1/records", content=tampered, headers=headers)
    assert _error(response) == (401, "bad_signature")


def test_stale_timestamp(partner: Partnered) -> None:
    response = partner[1].request(
        "POST", "/api/v1/records", {"records": [record()]}, timestamp=int(time.time()) - 301
    )
    assert _error(response) == (401, "stale_timestamp")


def test_replayed_nonce(partner: Partnered) -> None:
    client = partner[1]
    body = json.dumps({"records": [record(user="nobody")]}).encode()
    headers = client.headers("POST", "/api/v1/records", body)
    assert client.http.post("/api/v1/records", content=body, headers=headers).status_code == 200
    again = client.http.post("/api/v1/records", content=body, headers=headers)
    assert _error(again) == (401, "replayed_nonce")


def test_suspended_partner(served: Served, partner: Partnered) -> None:
    with db.write(served[0].engine) as conn:
        accounts.set_partner_status(conn, partner[0].id, "suspended")
    assert _error(partner[1].submit([record()])) == (403, "partner_suspended")


def test_merchant_only_partner_cannot_submit(served: Served) -> None:
    merchant = factories.add_partner(served[0], role="merchant")
    with PartnerClient(served[1], merchant.id, merchant.key) as client:
        assert _error(client.submit([record()])) == (403, "not_a_data_partner")


def test_rate_limit_answers_429_with_retry_after(served: Served, partner: Partnered) -> None:
    with db.write(served[0].engine) as conn:
        set_partner(conn, partner[0].id, rate_limit_per_minute=6)
    codes = [partner[1].request("GET", "/api/v1/records/none").status_code for _ in range(3)]
    assert codes[:1] == [404] and codes[-1] == 429
    limited = partner[1].request("GET", "/api/v1/records/none")
    assert _error(limited) == (429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"records": []}',
        b'{"records": {}}',
        b'{"records": [1], "x": 1}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_malformed_batches(partner: Partnered, body: bytes) -> None:
    client = partner[1]
    headers = client.headers("POST", "/api/v1/records", body)
    response = client.http.post("/api/v1/records", content=body, headers=headers)
    assert _error(response) == (400, "invalid_batch")


def test_more_than_1000_records(partner: Partnered) -> None:
    response = partner[1].submit([record(user="x") for _ in range(1001)])
    assert _error(response) == (413, "batch_too_large")


def test_body_over_2_mib(partner: Partnered) -> None:
    big = [record(user="x" * 128, evidence={"pad": "y" * 4000}) for _ in range(600)]
    response = partner[1].submit(big)
    assert _error(response) == (413, "batch_too_large")


def test_signed_batch_is_kept(served: Served, partner: Partnered) -> None:
    from sqlalchemy import select

    from carbonledger.ingest.tables import batches

    client = partner[1]
    body = json.dumps({"records": [record(user="kept")]}).encode()
    headers = client.headers("POST", "/api/v1/records", body)
    assert client.http.post("/api/v1/records", content=body, headers=headers).status_code == 200
    with db.read(served[0].engine) as conn:
        stored = conn.execute(select(batches).where(batches.c.nonce == headers["X-Nonce"])).one()
    assert stored.body == body and stored.partner_id == partner[0].id
    import base64

    assert stored.signature == base64.b64decode(headers["X-Signature"])


def test_unknown_routes_and_methods_answer_in_the_error_format(served: Served) -> None:
    missing = httpx.get(f"{served[1]}/api/v1/nothing-here")
    assert _error(missing) == (404, "not_found")
    wrong = httpx.put(f"{served[1]}/log/key")
    assert _error(wrong) == (405, "method_not_allowed")
    assert "GET" in wrong.headers["allow"]
    malformed = httpx.get(
        f"{served[1]}/api/v1/log/proof/inclusion", params={"index": "x", "size": 1}
    )
    assert _error(malformed) == (400, "invalid_request")
