"""Crash recovery (DESIGN.md invariants 1, 3, 4, 5): `carbonledger serve` is killed with SIGKILL
at least 20 times at random moments — checkpoints are signed every 20 ms, so many kills land
while one is being signed — while three partners send batches, with cross-partner duplicates,
and citizens redeem rewards with the points they earn, all retrying on any failure. After the
last restart and the retries:

- every record sent has exactly one stored result, and it is the result the API acknowledged;
- each trip reported by two partners is credited once;
- the log verifies, and every checkpoint seen during the run is consistent with the final tree;
- each redemption key made at most one redemption, the one the API answered, and no balance is
  negative;
- points reconcile, and the rollups equal a recomputation from the records.

On SQLite and PostgreSQL. `CARBONLEDGER_CRASH_KILLS` raises the number of kills.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.client import PartnerClient
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from carbonledger.points.reconcile import reconcile
from carbonledger.rewards.tables import redemptions as redemption_table
from carbonledger.translog import merkle, proofs, publisher
from carbonledger.translog.checkpoint import open_checkpoint
from carbonledger.translog.note import parse_verifier_key
from carbonledger.translog.sources import LocalSource
from carbonledger.translog.verify import verify
from tests import factories
from tests.factories import record
from tests.faults.harness import (
    Acknowledged,
    Observer,
    Redemptions,
    Server,
    kill_repeatedly,
    logged_in,
    redeem_until_answered,
    send_until_answered,
)
from tests.integration.helpers import points_balance, rollups_match_records

KILLS = int(os.environ.get("CARBONLEDGER_CRASH_KILLS", "20"))
CITIZENS = 12
TRIPS = 6
BATCH = 4
REDEMPTIONS = 3
pytestmark = pytest.mark.slow


Batches = list[list[dict[str, Any]]]


def streams_of(
    platform: Platform, citizens: list[str]
) -> tuple[dict[str, tuple[Any, Batches]], set[str]]:
    """Three partners' batches: the bike operator's trips, a map app reporting a third of them
    again, and bus trips; plus the external ids that are the same physical trip twice."""
    partners = {name: factories.add_partner(platform, name) for name in ("bike", "maps", "bus")}
    base = clock.now() - timedelta(hours=20)
    sent: dict[str, list[dict[str, Any]]] = {name: [] for name in partners}
    twice: set[str] = set()
    for n in range(CITIZENS):
        citizen = factories.add_citizen(platform)
        citizens.append(citizen)
        for name in partners:
            factories.link(platform, name, f"{name}-{n}", citizen)
        for trip in range(TRIPS):
            start = base + timedelta(hours=3 * trip, minutes=n)
            bike_id = f"bike-{n}-{trip}"
            sent["bike"].append(
                record("cycling", user=f"bike-{n}", start=start, external_id=bike_id)
            )
            if trip % 3 == 0:
                maps_id = f"maps-{n}-{trip}"
                sent["maps"].append(
                    record(
                        "cycling",
                        user=f"maps-{n}",
                        start=start + timedelta(minutes=2),
                        external_id=maps_id,
                    )
                )
                twice.add(bike_id)
                twice.add(maps_id)
            bus_start = start + timedelta(hours=1)
            sent["bus"].append(
                record(
                    "bus",
                    user=f"bus-{n}",
                    start=bus_start,
                    quantity=1,
                    external_id=f"bus-{n}-{trip}",
                )
            )
    sent["bus"].append(record("bus", user="not-linked", quantity=1, external_id="bus-pending"))
    return (
        {
            name: (partners[name], [batch[i : i + BATCH] for i in range(0, len(batch), BATCH)])
            for name, batch in sent.items()
        },
        twice,
    )


def test_nothing_is_lost_or_doubled_across_kills(platform: Platform) -> None:
    citizens: list[str] = []
    streams, twice = streams_of(platform, citizens)
    merchant = factories.add_partner(platform, "shop", role="merchant")
    reward = factories.add_reward(platform, merchant.id, price=150, stock=1000)
    redemptions = Redemptions()
    shoppers = [logged_in(platform, citizen) for citizen in citizens]
    env = {"CARBONLEDGER_CHECKPOINT_INTERVAL_SECONDS": "0.02"}
    if platform.engine.dialect.name == "postgresql":
        env["CARBONLEDGER_DATABASE_URL"] = platform.settings.database_url
    server = Server(platform.settings.data_dir, env)
    acknowledged = Acknowledged()
    deadline = time.monotonic() + 900
    server.start()
    try:
        with Observer(server.url) as observer:
            senders = start_senders(
                server.url, streams, shoppers, reward, acknowledged, redemptions, deadline
            )
            kill_repeatedly(
                server,
                KILLS,
                until=lambda: not any(thread.is_alive() for _, thread in senders),
                seed=KILLS,
                pause=(0.3, 1.2),
            )
            for client, thread in senders:
                thread.join(timeout=60)
                client.close()
    finally:
        server.stop()
    assert server.kills >= KILLS

    check_outcome(platform, streams, twice, acknowledged, observer.notes, redemptions)


def check_outcome(
    platform: Platform,
    streams: dict[str, tuple[Any, Batches]],
    twice: set[str],
    acknowledged: Acknowledged,
    notes: set[str],
    redemptions: Redemptions,
) -> None:
    """Every record sent has the one result the API acknowledged, each trip reported twice is
    credited once, the log verifies and every checkpoint `notes` holds is consistent with the
    final tree, points reconcile, each redemption key made at most the redemption answered."""
    sent = {
        (made.id, r["external_id"])
        for made, batches in streams.values()
        for b in batches
        for r in b
    }
    assert set(acknowledged.results) == sent
    with db.read(platform.engine) as conn:
        stored = {(row.partner_id, row.external_id): row for row in conn.execute(select(records))}
    assert set(stored) == sent
    for key, answer in acknowledged.results.items():
        assert (stored[key].id, stored[key].status) == (answer["record"], answer["status"]), key
    accepted_twice = Counter(
        key[1].split("-", 1)[1]
        for key, row in stored.items()
        if key[1] in twice and row.status == "accepted"
    )
    assert set(accepted_twice.values()) == {1}
    assert stored[("bus", "bus-pending")].status == "pending"

    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
    verifier = platform.log_signer.verifier_key()
    checked = verify(LocalSource(platform.engine, verifier), None)
    log = parse_verifier_key(verifier)
    with db.read(platform.engine) as conn:
        final_root = proofs.root(conn, checked.size)
        for note in notes:
            seen, _ = open_checkpoint(note, log)
            if seen.size == 0:
                continue  # every tree extends the empty one; there is nothing to prove
            proof = proofs.consistency(conn, seen.size, checked.size)
            merkle.verify_consistency(seen.size, checked.size, proof, seen.root, final_root)
        assert reconcile(conn).ok
    assert len(notes) > 1
    with db.read(platform.engine) as conn:
        made = {row.idempotency_key: row for row in conn.execute(select(redemption_table))}
    assert len(redemptions.answers) == CITIZENS * REDEMPTIONS
    for key, (status, redemption_id) in redemptions.answers.items():
        if status in (200, 201):
            assert made[key].id == redemption_id
    assert any(status == 201 for status, _ in redemptions.answers.values())
    points_balance(platform)
    rollups_match_records(platform)


Senders = list[tuple[Any, threading.Thread]]


def start_senders(
    url: str,
    streams: dict[str, tuple[Any, Batches]],
    shoppers: list[tuple[dict[str, str], dict[str, str]]],
    reward: str,
    acknowledged: Acknowledged,
    redemptions: Redemptions,
    deadline: float,
    watch: Callable[[httpx.Response], None] | None = None,
) -> Senders:
    """A thread per partner sending its batches and one per citizen redeeming, all retrying on
    any failure until answered; started, returned with their clients. `watch` sees every
    answer."""
    senders: Senders = []
    for made, batches in streams.values():
        client = PartnerClient(url, made.id, made.key, timeout=10)
        senders.append(
            (
                client,
                threading.Thread(
                    target=send_until_answered,
                    args=(client, batches, acknowledged, deadline),
                    daemon=True,
                ),
            )
        )
    for n, cookies in enumerate(shoppers):
        client = httpx.Client(base_url=url, timeout=10, cookies=cookies[0], headers=cookies[1])
        keys = [f"redeem-{n}-{k}" for k in range(REDEMPTIONS)]
        senders.append(
            (
                client,
                threading.Thread(
                    target=redeem_until_answered,
                    args=(client, reward, keys, redemptions, deadline),
                    daemon=True,
                ),
            )
        )
    for client, thread in senders:
        if watch is not None:
            http = client.http if isinstance(client, PartnerClient) else client
            http.event_hooks["response"].append(watch)
        thread.start()
    return senders
