"""Failover (DESIGN.md invariants 1, 3, 4, 5 across the loss of the primary): the platform runs
as a real `carbonledger serve` process on the cluster of deploy/ha/cluster.sh (a primary and a
synchronous standby under Patroni), reached through the multi-host URL with
`target_session_attrs=read-write`, its reads that may lag sent to the standby. While three
partners send overlapping batches and citizens redeem over HTTP, the primary is killed: in one
case its PostgreSQL (SIGKILL), in the other the whole node (Patroni and PostgreSQL, SIGKILL).
Patroni promotes the standby, and then:

- while no primary answers, requests fail with 503 and Retry-After, never another 5xx;
- they succeed again with the same server process, never restarted, which is ready again;
- every record sent has exactly one stored result, the one acknowledged; each trip reported by
  two partners is credited once; the log verifies and every checkpoint served before the kill is
  consistent with the tree after it; points reconcile; each redemption key redeemed at most once.

Prints the seconds from the kill to the first acknowledged batch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from carbonledger.config import Settings
from carbonledger.platform import Platform
from tests import factories
from tests.faults.cluster import Cluster
from tests.faults.harness import Acknowledged, Observer, Redemptions, Server, logged_in
from tests.faults.test_crash_recovery import check_outcome, start_senders, streams_of

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


class Answers:
    """Every answer the platform gave, with when it came."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str, int, str | None]] = []
        """(when the request was sent, its path, the status, Retry-After)."""
        self.lock = threading.Lock()

    def __call__(self, response: httpx.Response) -> None:
        response.read()  # the hook runs before the body is read; `elapsed` needs it
        with self.lock:
            self.seen.append(
                (
                    time.monotonic() - response.elapsed.total_seconds(),
                    response.request.url.path,
                    response.status_code,
                    response.headers.get("retry-after"),
                )
            )

    def after(self, moment: float) -> list[tuple[float, str, int, str | None]]:
        with self.lock:
            return [answer for answer in self.seen if answer[0] >= moment]


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    made = Cluster()
    made.start()
    try:
        yield made
    finally:
        made.stop()


@pytest.mark.parametrize("crash", ["postgres", "node"])
def test_a_lost_primary_loses_and_doubles_nothing(
    cluster: Cluster, crash: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=cluster.url)
    platform = Platform.open(settings)
    citizens: list[str] = []
    streams, twice = streams_of(platform, citizens)
    merchant = factories.add_partner(platform, "shop", role="merchant")
    reward = factories.add_reward(platform, merchant.id, price=150, stock=1000)
    shoppers = [logged_in(platform, citizen) for citizen in citizens]
    env = {
        "CARBONLEDGER_DATABASE_URL": cluster.url,
        "CARBONLEDGER_READ_DATABASE_URL": cluster.read_url,
        "CARBONLEDGER_CHECKPOINT_INTERVAL_SECONDS": "0.1",
    }
    output = tmp_path / "server.log"
    server = Server(settings.data_dir, env, output=output)
    acknowledged, redemptions, answers = Acknowledged(), Redemptions(), Answers()
    total = sum(len(batch) for _, batches in streams.values() for batch in batches)
    deadline = time.monotonic() + 240
    server.start()
    try:
        with Observer(server.url) as observer:
            senders = start_senders(
                server.url,
                streams,
                shoppers,
                reward,
                acknowledged,
                redemptions,
                deadline,
                watch=answers,
            )
            while len(acknowledged.results) < total // 3:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            before_kill = set(observer.notes)
            primary = cluster.primary()
            assert primary is not None
            killed_at = time.monotonic()
            if crash == "postgres":
                cluster.kill_postgres(primary)
            else:
                cluster.kill_node(primary)
            for client, thread in senders:
                thread.join(timeout=max(1.0, deadline - time.monotonic()))
                client.close()
                assert not thread.is_alive()
            assert server.process is not None and server.process.poll() is None
            # The same process is ready again, and its reads that may lag find a server.
            cluster.wait("primary")
            ready = httpx.get(f"{server.url}/readyz", timeout=10)
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"]["replica"] == "reachable"
            assert httpx.get(f"{server.url}/api/v1/dashboard", timeout=10).status_code == 200
    finally:
        server.stop()

    after = answers.after(killed_at)
    recovered = [at for at, path, status, _ in after if path == "/api/v1/records" and status == 200]
    print(
        f"\n{crash} killed: first acknowledged batch after {recovered[0] - killed_at:.1f} s; "
        f"{sum(1 for a in after if a[2] == 503)} answers 503 meanwhile"
    )
    failed = [(path, status) for _, path, status, _ in after if status >= 500 and status != 503]
    assert not failed, output.read_text()[-3000:]
    unavailable = [retry for _, _, status, retry in after if status == 503]
    assert unavailable, "no request met the failover"
    assert all(retry is not None and int(retry) > 0 for retry in unavailable)
    assert server.kills == 0

    check_outcome(platform, streams, twice, acknowledged, observer.notes, redemptions)
    assert before_kill <= observer.notes
    platform.close()
