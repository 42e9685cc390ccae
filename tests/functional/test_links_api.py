"""POST /api/v1/links and DELETE /api/v1/links/{user} over HTTP (PARTNER_API.md §3)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from tests import factories
from tests.factories import MadePartner, record

Served = tuple[Platform, str]
Partnered = tuple[MadePartner, PartnerClient]


def _code(
    platform: Platform,
    citizen: str,
    partner_id: str,
    minutes: int = 10,
    at_offset: timedelta = timedelta(0),
) -> str:
    with db.write(platform.engine) as conn:
        return accounts.create_link_code(
            conn, platform.keys, citizen, partner_id, clock.now() + at_offset, minutes
        )


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_link_credits_pending_records(served: Served, partner: Partnered) -> None:
    platform, _ = served
    made, client = partner
    waiting = client.submit(
        [
            record("cycling", user="later-1"),
            record("metro", user="later-1", quantity=1, start=clock.now() - timedelta(hours=5)),
        ]
    ).json()
    assert waiting["summary"]["pending"] == 2
    citizen = factories.add_citizen(platform)
    response = client.link("later-1", _code(platform, citizen, made.id))
    assert response.status_code == 201
    body = response.json()
    assert body["user"] == "later-1" and body["pending_credited"] == 2 and body["linked_at"]
    for result in waiting["results"]:
        current = client.request("GET", f"/api/v1/records/{result['external_id']}").json()
        assert current["status"] == "accepted" and current["leaf_index"] is not None
    [fresh] = client.submit(
        [record("cycling", user="later-1", start=clock.now() - timedelta(hours=8))]
    ).json()["results"]
    assert fresh["status"] == "accepted"


def test_codes_are_one_time(served: Served, partner: Partnered) -> None:
    platform, _ = served
    made, client = partner
    code = _code(platform, factories.add_citizen(platform), made.id)
    assert client.link("once", code).status_code == 201
    assert _error(client.link("twice", code)) == (404, "unknown_code")


def test_refusals(served: Served, partner: Partnered) -> None:
    platform, _ = served
    made, client = partner
    citizen = factories.add_citizen(platform)
    assert _error(client.link("u", "ABCDEFGH")) == (404, "unknown_code")
    expired = _code(platform, citizen, made.id, at_offset=timedelta(minutes=-11))
    assert _error(client.link("u", expired)) == (410, "code_expired")
    other = factories.add_partner(platform)
    assert _error(client.link("u", _code(platform, citizen, other.id))) == (
        409,
        "code_for_other_partner",
    )
    assert client.link("taken", _code(platform, citizen, made.id)).status_code == 201
    someone_else = factories.add_citizen(platform)
    conflict = client.link("taken", _code(platform, someone_else, made.id))
    assert _error(conflict) == (409, "user_linked_to_other_citizen")
    for bad in ({"user": "u"}, {"user": "", "code": "ABCDEFGH"}, {"user": "u", "code": "short"}):
        assert client.request("POST", "/api/v1/links", bad).status_code == 400


def test_unlink_makes_later_records_pending(served: Served, partner: Partnered) -> None:
    platform, _ = served
    made, client = partner
    citizen = factories.add_citizen(platform)
    assert client.link("leaving", _code(platform, citizen, made.id)).status_code == 201
    assert client.request("DELETE", "/api/v1/links/leaving").status_code == 204
    [after] = client.submit([record("cycling", user="leaving")]).json()["results"]
    assert (after["status"], after["reason"]) == ("pending", "user_not_linked")
    assert _error(client.request("DELETE", "/api/v1/links/leaving")) == (404, "not_linked")


def test_a_new_link_replaces_the_citizens_old_account(served: Served, partner: Partnered) -> None:
    platform, _ = served
    made, client = partner
    citizen = factories.add_citizen(platform)
    assert client.link("old-account", _code(platform, citizen, made.id)).status_code == 201
    assert client.link("new-account", _code(platform, citizen, made.id)).status_code == 201
    [old] = client.submit([record("cycling", user="old-account")]).json()["results"]
    assert old["status"] == "pending"


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_links_need_a_signature(served: Served, method: str) -> None:
    response = httpx.request(
        method, f"{served[1]}/api/v1/links" + ("/u" if method == "DELETE" else "")
    )
    assert _error(response) == (401, "missing_header")


def test_link_window_expired_is_what_the_partner_then_sees(
    served: Served, partner: Partnered
) -> None:
    from carbonledger.ingest import pending

    platform, _ = served
    made, client = partner
    sent = record("cycling", user="never-links")
    [waiting] = client.submit([sent]).json()["results"]
    assert waiting["status"] == "pending"
    with db.write(platform.engine) as conn:  # the scheduled expiry, 31 days on
        assert pending.expire(conn, platform, clock.now() + timedelta(days=31)) >= 1
    current = client.request("GET", f"/api/v1/records/{sent['external_id']}").json()
    assert (current["status"], current["reason"]) == ("rejected", "link_window_expired")
    citizen = factories.add_citizen(platform)
    assert (
        client.link("never-links", _code(platform, citizen, made.id)).json()["pending_credited"]
        == 0
    )
