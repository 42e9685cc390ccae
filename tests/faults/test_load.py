"""Load and concurrency on PostgreSQL: `serve --workers 3`, eight partners sending at once with
about 30% of trips reported by two partners, and citizens redeeming at the same time. Each trip
is credited once, no balance goes negative, every request is answered (a deadlock or
serialization failure is retried inside, never surfaced as a 500), and the ledger, log and rollups
agree afterwards."""

from __future__ import annotations

import threading
import time
from collections import Counter
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
from carbonledger.translog import publisher
from carbonledger.translog.sources import LocalSource
from carbonledger.translog.verify import verify
from tests import factories
from tests.factories import record
from tests.faults.harness import (
    Acknowledged,
    Redemptions,
    Server,
    logged_in,
    redeem_until_answered,
    send_until_answered,
)
from tests.integration.helpers import points_balance, rollups_match_records

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
PARTNERS = 8
CITIZENS = 40
TRIPS = 12
BATCH = 10


def _trips(
    platform: Platform,
) -> tuple[list[tuple[Any, list[list[dict[str, Any]]]]], dict[str, str], list[str]]:
    """Each partner's batches; `same` maps each external id to its physical trip."""
    partners = [factories.add_partner(platform, f"p{n}") for n in range(PARTNERS)]
    citizens = []
    sent: dict[str, list[dict[str, Any]]] = {p.id: [] for p in partners}
    same: dict[str, str] = {}
    base = clock.now() - timedelta(hours=2 * TRIPS + 4)
    for c in range(CITIZENS):
        citizen = factories.add_citizen(platform)
        citizens.append(citizen)
        for partner in partners:
            factories.link(platform, partner.id, f"{partner.id}-u{c}", citizen)
        for t in range(TRIPS):
            start = base + timedelta(hours=2 * t, minutes=c)
            owner = partners[(c + t) % PARTNERS]
            reporters = [owner]
            if (c * TRIPS + t) % 10 < 3:  # 30% of trips come from a second partner too
                reporters.append(partners[(c + t + 1) % PARTNERS])
            for n, partner in enumerate(reporters):
                external_id = f"{partner.id}-{c}-{t}"
                same[external_id] = f"{c}-{t}"
                sent[partner.id].append(
                    record(
                        "cycling",
                        user=f"{partner.id}-u{c}",
                        start=start + timedelta(minutes=2 * n),
                        external_id=external_id,
                    )
                )
    streams = [
        (p, [sent[p.id][i : i + BATCH] for i in range(0, len(sent[p.id]), BATCH)]) for p in partners
    ]
    return streams, same, citizens


def test_eight_partners_and_redemptions_on_three_workers(pg_platform: Platform) -> None:
    platform = pg_platform
    streams, same, citizens = _trips(platform)
    merchant = factories.add_partner(platform, "shop", role="merchant")
    reward = factories.add_reward(platform, merchant.id, price=200, stock=40)
    shoppers = [logged_in(platform, citizen) for citizen in citizens]
    server = Server(
        platform.settings.data_dir,
        {"CARBONLEDGER_DATABASE_URL": platform.settings.database_url},
        workers=3,
    )
    acknowledged, redemptions = Acknowledged(), Redemptions()
    deadline = time.monotonic() + 600
    server.start()
    threads: list[threading.Thread] = []
    clients: list[Any] = []
    try:
        for made, batches in streams:
            client = PartnerClient(server.url, made.id, made.key, timeout=60)
            clients.append(client)
            threads.append(
                threading.Thread(
                    target=send_until_answered, args=(client, batches, acknowledged, deadline)
                )
            )
        for n, (cookies, headers) in enumerate(shoppers):
            shopper = httpx.Client(
                base_url=server.url, timeout=60, cookies=cookies, headers=headers
            )
            clients.append(shopper)
            threads.append(
                threading.Thread(
                    target=redeem_until_answered,
                    args=(shopper, reward, [f"r-{n}-{k}" for k in range(4)], redemptions, deadline),
                )
            )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for client in clients:
            client.close()
        server.stop()

    assert acknowledged.failures == 0, "a request failed under load instead of being answered"
    with db.read(platform.engine) as conn:
        stored = list(conn.execute(select(records)))
    assert len(stored) == len(same)
    credited = Counter(same[row.external_id] for row in stored if row.status == "accepted")
    assert set(credited) == set(same.values())
    assert set(credited.values()) == {1}
    won = [status for status, _ in redemptions.answers.values() if status in (200, 201)]
    assert 0 < len(won) <= 40
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
    verify(LocalSource(platform.engine, platform.log_signer.verifier_key()), None)
    with db.read(platform.engine) as conn:
        assert reconcile(conn).ok
    points_balance(platform)
    rollups_match_records(platform)
