"""POST /api/v1/records and GET /api/v1/records/{external_id} over HTTP: every result and reason
code of PARTNER_API.md §2."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest

from carbonledger import clock
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from tests import factories
from tests.factories import MadePartner, record

Served = tuple[Platform, str]
Partnered = tuple[MadePartner, PartnerClient]


def _linked(served: Served, partner: Partnered, user: str = "u-1") -> str:
    platform, _ = served
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner[0].id, user, citizen)
    return citizen


def _submit(client: PartnerClient, *records: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.submit(list(records))
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["results"]) == len(records)
    return list(body["results"])


def test_an_accepted_credit_carries_its_quantification(served: Served, partner: Partnered) -> None:
    _linked(served, partner)
    [result] = _submit(partner[1], record("cycling", quantity=4.2, external_id="t-1"))
    assert result == {
        "external_id": "t-1",
        "status": "accepted",
        "record": result["record"],
        "reduction_g": 214.2,
        "points": 214,
        "methodology": "cycling@2022-08",
        "leaf_index": result["leaf_index"],
        "capped": False,
    }
    assert len(result["record"]) == 26 and isinstance(result["leaf_index"], int)


def test_summary_counts_each_status(served: Served, partner: Partnered) -> None:
    _linked(served, partner)
    response = partner[1].submit(
        [
            record("cycling"),
            record("cycling", user="stranger"),
            record("cycling", quantity=-1),
        ]
    )
    assert response.json()["summary"] == {
        "accepted": 1,
        "duplicate": 0,
        "pending": 1,
        "rejected": 1,
    }


def test_invalid_fields_are_all_reported_at_once(served: Served, partner: Partnered) -> None:
    bad = {
        "external_id": "bad-1",
        "user": "",
        "scenario": "cycling",
        "occurred_at": "yesterday",
        "quantity": 0,
        "region": "12",
        "colour": "green",
    }
    [result] = _submit(partner[1], bad)
    assert result["status"] == "rejected" and result["reason"] == "invalid_field"
    fields = {error["field"] for error in result["errors"]}
    assert fields == {"user", "occurred_at", "quantity", "region", "colour", "ended_at"}
    assert all(error["message"] for error in result["errors"])


def test_non_object_records_are_rejected_in_place(served: Served, partner: Partnered) -> None:
    results = _submit(partner[1], "text", record("cycling", user="nobody"))  # type: ignore[arg-type]
    assert results[0]["status"] == "rejected" and results[0]["external_id"] is None
    assert results[1]["status"] == "pending"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: record("flying"), "unknown_scenario"),
        (lambda: record("cycling", start=clock.now() + timedelta(minutes=10)), "in_future"),
        (lambda: record("cycling", start=clock.now() - timedelta(days=31)), "too_old"),
        (lambda: record("cycling", quantity=40, minutes=20), "implausible_speed"),
        (lambda: record("cycling", quantity=60, minutes=240), "implausible_quantity"),
        (lambda: record("bus", quantity=1, minutes=300), "implausible_duration"),
        (lambda: record("bus", quantity=2, minutes=30), "implausible_quantity"),
    ],
)
def test_refusals_before_crediting(
    served: Served, partner: Partnered, make: Any, reason: str
) -> None:
    _linked(served, partner)
    sent = make()
    [result] = _submit(partner[1], sent)
    assert (result["status"], result["reason"]) == ("rejected", reason)
    kept = partner[1].request("GET", f"/api/v1/records/{sent['external_id']}").json()
    assert (kept["status"], kept["reason"]) == ("rejected", reason)


def test_unlinked_user_is_pending_then_credited_on_link(served: Served, partner: Partnered) -> None:
    platform, _ = served
    [result] = _submit(partner[1], record("cycling", user="later", external_id="p-1"))
    assert (result["status"], result["reason"]) == ("pending", "user_not_linked")
    citizen = factories.add_citizen(platform)
    assert factories.link(platform, partner[0].id, "later", citizen) == 1
    current = partner[1].request("GET", "/api/v1/records/p-1").json()
    assert current["status"] == "accepted" and current["points"] == 214


def test_over_daily_cap_and_partial_credit(served: Served, partner: Partnered) -> None:
    _linked(served, partner)
    day = (
        clock.now()
        .astimezone(served[0].settings.zone)
        .replace(hour=0, minute=30, second=0, microsecond=0)
    )
    if day > clock.now() - timedelta(hours=2):
        day -= timedelta(days=1)
    orders = [
        record(
            "no_tableware",
            quantity=1,
            start=day + timedelta(minutes=i),
            evidence={"key": f"order-{i}-{day.isoformat()}"},
        )
        for i in range(6)
    ]
    results = _submit(partner[1], *orders)
    assert [r["status"] for r in results] == ["accepted"] * 5 + ["rejected"]
    assert results[5]["reason"] == "over_daily_cap"
    steps = _submit(partner[1], record("walking", quantity=40_000, start=day + timedelta(hours=1)))
    assert steps[0]["capped"] is True and steps[0]["reduction_g"] == pytest.approx(30_000 * 0.0164)


def test_cross_partner_duplicates(served: Served, partner: Partnered) -> None:
    platform, url = served
    citizen = _linked(served, partner, "bike-user")
    other = factories.add_partner(platform)
    factories.link(platform, other.id, "map-user", citizen)
    start = clock.now() - timedelta(hours=3)
    [first] = _submit(partner[1], record("cycling", user="bike-user", start=start, minutes=20))
    with PartnerClient(url, other.id, other.key) as map_app:
        same_trip = record(
            "cycling", user="map-user", start=start + timedelta(minutes=2), minutes=20
        )
        metro_now = record("metro", user="map-user", quantity=1, start=start + timedelta(minutes=5))
        [dup, conflict] = _submit(map_app, same_trip, metro_now)
    assert first["status"] == "accepted"
    assert dup == {
        "external_id": same_trip["external_id"],
        "status": "duplicate",
        "record": dup["record"],
        "reason": "overlapping_trip",
        "duplicate_of": first["record"],
        "reduction_g": 0,
        "points": 0,
    }
    assert (conflict["status"], conflict["reason"]) == ("rejected", "conflicting_trip")


def test_evidence_key_and_daily_total_duplicates(served: Served, partner: Partnered) -> None:
    _linked(served, partner)
    # Yesterday's local noon: the three step totals fall on one local day whatever the hour.
    zone = served[0].settings.zone
    yesterday = clock.now().astimezone(zone).date() - timedelta(days=1)
    start = datetime.combine(yesterday, time(12), zone)
    results = _submit(
        partner[1],
        record("returned_box", quantity=1, start=start, evidence={"key": "box-77"}),
        record("returned_box", quantity=1, start=start, evidence={"key": "box-77"}),
        record("walking", quantity=5000, start=start),
        record("walking", quantity=4000, start=start + timedelta(minutes=5)),
        record("walking", quantity=8000, start=start + timedelta(minutes=9)),
    )
    assert (results[1]["status"], results[1]["reason"]) == ("duplicate", "same_evidence_key")
    assert results[1]["duplicate_of"] == results[0]["record"]
    assert (results[3]["status"], results[3]["reason"]) == ("duplicate", "daily_total_not_higher")
    assert results[4]["status"] == "accepted"
    assert results[4]["reduction_g"] == pytest.approx(3000 * 0.0164)


def test_resending_returns_the_first_result(served: Served, partner: Partnered) -> None:
    _linked(served, partner)
    batch = [
        record("cycling"),
        record("cycling", user="nobody-yet"),
        record("cycling", quantity=-3),
    ]
    first = partner[1].submit(batch).json()
    again = partner[1].submit(batch).json()
    assert [dict(r, replayed=True) for r in first["results"]] == again["results"]
    assert again["summary"] == first["summary"]


def test_same_external_id_with_new_content_is_reused(served: Served, partner: Partnered) -> None:
    _linked(served, partner)
    original = record("cycling", external_id="same-id")
    [first] = _submit(partner[1], original)
    [second] = _submit(partner[1], dict(original, quantity=9.9))
    assert (second["status"], second["reason"]) == ("rejected", "external_id_reused")
    current = partner[1].request("GET", "/api/v1/records/same-id").json()
    assert current["record"] == first["record"] and current["status"] == "accepted"


def test_repeats_inside_one_batch(served: Served, partner: Partnered) -> None:
    _linked(served, partner)
    original = record("cycling", external_id="twice")
    results = _submit(partner[1], original, original, dict(original, quantity=1.0))
    assert results[1] == dict(results[0], replayed=True)
    assert results[2]["reason"] == "external_id_reused"


def test_a_batch_of_1000(served: Served, partner: Partnered) -> None:
    _linked(served, partner)
    start = clock.now() - timedelta(days=5)
    batch = [
        record("cycling", start=start + timedelta(minutes=30 * i), quantity=2.0, minutes=15)
        for i in range(1000)
    ]
    body = partner[1].submit(batch).json()
    assert len(body["results"]) == 1000
    assert [r["external_id"] for r in body["results"]] == [r["external_id"] for r in batch]
    assert body["summary"]["accepted"] + body["summary"]["rejected"] == 1000
    assert body["summary"]["accepted"] >= 100


def test_unknown_record_lookup_is_404(partner: Partnered) -> None:
    response = partner[1].request("GET", "/api/v1/records/never-sent")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_record"


def test_partners_do_not_see_each_others_records(served: Served, partner: Partnered) -> None:
    platform, url = served
    _submit(partner[1], record("cycling", external_id="private-1"))
    other = factories.add_partner(platform)
    with PartnerClient(url, other.id, other.key) as client:
        assert client.request("GET", "/api/v1/records/private-1").status_code == 404


def test_scenarios_are_public(served: Served) -> None:
    import httpx

    body = httpx.get(f"{served[1]}/api/v1/scenarios").json()
    codes = {scenario["code"] for scenario in body["scenarios"]}
    assert {"cycling", "walking", "secondhand", "e_billing"} <= codes


def test_openapi_describes_every_api_route(served: Served) -> None:
    import httpx

    document = httpx.get(f"{served[1]}/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/api/v1/records",
        "/api/v1/records/{external_id}",
        "/api/v1/links",
        "/api/v1/links/{user}",
        "/api/v1/scenarios",
        "/api/v1/log/entries/{index}",
        "/api/v1/log/proof/inclusion",
        "/api/v1/log/proof/consistency",
    ):
        assert path in paths, path
    body = paths["/api/v1/records"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/BatchIn"}
    schemas = document["components"]["schemas"]
    assert "records" in schemas["BatchIn"]["properties"]
    assert schemas["BatchIn"]["properties"]["records"]["items"] == {
        "$ref": "#/components/schemas/RecordIn"
    }
    assert "external_id" in schemas["RecordIn"]["properties"]
    assert "401" in paths["/api/v1/records"]["post"]["responses"]
