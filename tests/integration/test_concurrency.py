"""On PostgreSQL, partners racing with the same trips credit each trip once: from threads
calling the pipeline, and from clients of a server running several worker processes."""

from __future__ import annotations

import functools
import operator
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.client import PartnerClient
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from tests import factories
from tests.factories import MadePartner, record
from tests.integration.helpers import points_balance, rollups_match_records, submit
from tests.served import free_port

pytestmark = pytest.mark.postgres
PARTNERS = 4
CITIZENS = 30
TRIPS_PER_CITIZEN = 4


def _city(platform: Platform) -> tuple[list[MadePartner], list[list[dict[str, Any]]]]:
    """Partners that all report the same trips of the same citizens, each in its own order."""
    partners = [factories.add_partner(platform) for _ in range(PARTNERS)]
    citizens = [factories.add_citizen(platform) for _ in range(CITIZENS)]
    for partner in partners:
        for number, citizen in enumerate(citizens):
            factories.link(platform, partner.id, f"user-{number}", citizen)
    base = clock.now() - timedelta(days=1)
    batches = []
    for rank, partner in enumerate(partners):
        batch = [
            record(
                "cycling",
                user=f"user-{number}",
                quantity=3.0,
                minutes=15,
                start=base + timedelta(hours=trip * 2, minutes=rank),
                external_id=f"{partner.id}-{number}-{trip}",
            )
            for number in range(CITIZENS)
            for trip in range(TRIPS_PER_CITIZEN)
        ]
        turned = batch[rank * 7 :] + batch[: rank * 7]
        batches.append(turned if rank % 2 == 0 else list(reversed(turned)))
    return partners, batches


def _credited_once(platform: Platform) -> None:
    with db.read(platform.engine) as conn:
        statuses = Counter(conn.execute(select(records.c.status)).scalars())
    assert statuses["accepted"] == CITIZENS * TRIPS_PER_CITIZEN, statuses
    assert statuses["duplicate"] == CITIZENS * TRIPS_PER_CITIZEN * (PARTNERS - 1), statuses
    points_balance(platform)
    rollups_match_records(platform)


def test_threads_racing_with_the_same_trips(pg_platform: Platform) -> None:
    partners, batches = _city(pg_platform)
    halves = [(p, b[:60]) for p, b in zip(partners, batches, strict=True)] + [
        (p, b[60:]) for p, b in zip(partners, batches, strict=True)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda item: submit(pg_platform, item[0].id, item[1]), halves))
    _credited_once(pg_platform)


def test_worker_processes_racing_over_http(pg_platform: Platform) -> None:
    partners, batches = _city(pg_platform)
    port = free_port()
    env = dict(
        os.environ,
        CARBONLEDGER_DATA_DIR=str(pg_platform.settings.data_dir),
        CARBONLEDGER_DATABASE_URL=pg_platform.settings.database_url,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "carbonledger.cli", "serve", "--port", str(port), "--workers", "3"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/v1/scenarios", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None, "server did not start"
                time.sleep(0.2)

        def send(item: tuple[MadePartner, list[dict[str, Any]]]) -> list[str]:
            partner, batch = item
            with PartnerClient(url, partner.id, partner.key) as client:
                statuses = []
                for start in range(0, len(batch), 40):
                    response = client.submit(batch[start : start + 40])
                    assert response.status_code == 200, response.text
                    statuses += [r["status"] for r in response.json()["results"]]
                return statuses

        with ThreadPoolExecutor(max_workers=PARTNERS) as pool:
            answered = functools.reduce(
                operator.iadd, pool.map(send, zip(partners, batches, strict=True)), []
            )
        assert Counter(answered)["accepted"] == CITIZENS * TRIPS_PER_CITIZEN
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    _credited_once(pg_platform)
