"""The linking attack on the public log: a partner knows which leaves are its own user's
credits and scans every entry for that person's credits elsewhere. With leaf v2 it must find
none on other days or in other scenarios, and no leaf may carry a time of day."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import httpx

from carbonledger import clock
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from tests import factories
from tests.factories import record

Served = tuple[Platform, str]


def _entries(url: str, size: int) -> list[dict[str, object]]:
    leaves = []
    for index in range(size):
        entry = httpx.get(f"{url}/api/v1/log/entries/{index}")
        assert entry.status_code == 200, entry.text
        leaves.append(json.loads(entry.json()["leaf"]))
    return leaves


def _wait_for(url: str, size: int) -> None:
    deadline = time.monotonic() + 10
    while httpx.get(f"{url}/api/v1/log/entries/{size - 1}").status_code != 200:
        assert time.monotonic() < deadline, "the log never reached the credits"
        time.sleep(0.05)


def test_a_partner_cannot_link_its_users_other_credits(served: Served) -> None:
    platform, url = served
    spy = factories.add_partner(platform)
    other = factories.add_partner(platform)
    people = [factories.add_citizen(platform) for _ in range(3)]
    for n, citizen in enumerate(people):
        factories.link(platform, spy.id, f"s-{n}", citizen)
        factories.link(platform, other.id, f"o-{n}", citizen)
    days = [clock.now() - timedelta(days=d, hours=2) for d in (1, 2, 3)]
    with (
        PartnerClient(url, spy.id, spy.key) as spy_client,
        PartnerClient(url, other.id, other.key) as other_client,
    ):
        own = spy_client.submit(
            [record("cycling", user=f"s-{n}", start=at) for n in range(3) for at in days]
        ).json()["results"]
        elsewhere = other_client.submit(
            [
                record(scenario, user=f"o-{n}", start=at + timedelta(hours=1), quantity=quantity)
                for n in range(3)
                for at in days
                for scenario, quantity in (("walking", 6000), ("metro", 1))
            ]
        ).json()["results"]
    assert [r.get("reason") for r in own + elsewhere if r["status"] != "accepted"] == []
    size = 1 + max(int(r["leaf_index"]) for r in own + elsewhere)
    _wait_for(url, size)
    leaves = _entries(url, size)

    # What the spy knows: which leaves are its own user's (by the index in its results).
    victim = [int(r["leaf_index"]) for r in own[:3]]  # user s-0 on each of the three days
    known = {str(leaves[index]["account"]) for index in victim}
    assert len(known) == 3, "one person's credits of three days must carry three names"
    linked = [
        index
        for index, leaf in enumerate(leaves)
        if index not in victim and leaf.get("account") in known
    ]
    assert linked == [], f"leaves {linked} are linked to the spy's user"

    # The victim's credits at the other partner exist, but share no name with what the spy saw.
    theirs = [int(r["leaf_index"]) for r in elsewhere[:6]]
    assert {leaves[i]["account"] for i in theirs}.isdisjoint(known)
    assert len({leaves[i]["account"] for i in theirs}) == 6
    # And no leaf carries a time of day, or a record id (a ULID's first 48 bits are a time).
    record_ids = {str(r["record"]) for r in own + elsewhere}
    assert all("time" not in leaf and leaf["v"] == 2 for leaf in leaves)
    assert record_ids.isdisjoint(str(leaf["record"]) for leaf in leaves)
