"""Failover benchmark on the local cluster of deploy/ha/cluster.sh (etcd, a PostgreSQL primary
and a synchronous standby under Patroni):

- the ingest rate over signed HTTP through the multi-host URL (`target_session_attrs=read-write`)
  next to a URL naming the primary alone, the same database and server otherwise;
- while three partners send batches without pause, SIGKILL of the primary's PostgreSQL (or with
  `--crash node`, of its Patroni and PostgreSQL): the seconds from the kill to the first
  acknowledged batch, and the records acknowledged during the run against those found after.

    .venv/bin/python bench/failover.py [--citizens 2000] [--http-records 20000] \
        [--crash postgres] [--rounds 4] 2> server.log

The served platform's log lines go to stderr.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.cluster import Cluster

from carbonledger import db
from carbonledger.client import PartnerClient
from carbonledger.config import Settings
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from ingest import batches, run_http, stream
from support import populate, served

BATCH = 100


class Run:
    """Batches sent during the failover: acknowledged ids, and when each answer came."""

    def __init__(self) -> None:
        self.acknowledged: set[tuple[str, str]] = set()
        self.successes: list[float] = []
        """When each acknowledged batch was sent (its last attempt)."""
        self.failures = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()


def keep_sending(client: PartnerClient, work: Iterator[list[dict[str, Any]]], run: Run) -> None:
    """Send batch after batch; retry a batch until it is answered 200, then start the next,
    until told to stop."""
    for batch in work:
        if run.stopping.is_set():
            return
        while True:
            sent_at = time.monotonic()
            try:
                answer = client.submit(batch)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code == 200:
                with run.lock:
                    run.successes.append(sent_at)
                    for result in answer.json()["results"]:
                        run.acknowledged.add((client.partner_id, result["external_id"]))
                break
            with run.lock:
                run.failures += 1
            time.sleep(0.05)


def failover(platform: Platform, keys: dict[str, Any], cluster: Cluster, crash: str) -> None:
    run = Run()
    with served(platform, 19000 + cluster.base % 1000) as url:
        partners = list(keys)[:3]
        pairs = stream(platform, 11, days_back=10, tag="-failover")
        per_partner: dict[str, list[list[dict[str, Any]]]] = {p: [] for p in partners}
        for partner, batch in batches(pairs, BATCH, 10**9):
            if partner in per_partner:
                per_partner[partner].append(batch)
            if all(len(b) >= 400 for b in per_partner.values()):
                break
        clients = [PartnerClient(url, p, keys[p], timeout=30) for p in partners]
        threads = [
            threading.Thread(target=keep_sending, args=(c, iter(per_partner[c.partner_id]), run))
            for c in clients
        ]
        for thread in threads:
            thread.start()
        time.sleep(5)
        primary = cluster.primary()
        assert primary is not None
        killed_at = time.monotonic()
        if crash == "postgres":
            cluster.kill_postgres(primary)
        else:
            cluster.kill_node(primary)
        # The first batch sent after the kill that was acknowledged: an answer to one sent
        # before it may still arrive from the old primary.
        while not any(at > killed_at for at in run.successes):
            time.sleep(0.01)
        first = min(at for at in run.successes if at > killed_at)
        time.sleep(5)
        run.stopping.set()
        for thread in threads:
            thread.join()
        for client in clients:
            client.close()
    with db.read(platform.engine) as conn:
        stored = {
            (row.partner_id, row.external_id)
            for row in conn.execute(
                select(records.c.partner_id, records.c.external_id).where(
                    records.c.external_id.like("%-failover%")
                )
            )
        }
    print(
        f"[failover, {crash} killed] first acknowledged batch {first - killed_at:.1f} s after "
        f"the kill; {run.failures} refused attempts meanwhile"
    )
    print(
        f"[failover, {crash} killed] records acknowledged {len(run.acknowledged)}, found after "
        f"{len(stored)}, acknowledged and found {len(run.acknowledged & stored)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--http-records", type=int, default=20_000)
    parser.add_argument("--crash", choices=("postgres", "node"), default="postgres")
    parser.add_argument("--rounds", type=int, default=4, help="ingest rounds per URL")
    args = parser.parse_args()
    cluster = Cluster()
    cluster.start()
    try:
        with tempfile.TemporaryDirectory(prefix="carbonledger-bench-") as tmp:
            ha = Settings(
                data_dir=Path(tmp) / "data",
                database_url=cluster.url,
                rate_limit_per_minute=1_000_000,
            )
            platform = Platform.open(ha)
            keys = populate(platform, args.citizens, 0.97)
            primary = cluster.primary()
            assert primary is not None
            direct_url = f"postgresql://postgres@127.0.0.1:{cluster.port(primary)}/carbonledger"
            direct = Platform.open(ha.model_copy(update={"database_url": direct_url}))
            # A first round warms the caches; then the two URLs `--rounds` times each in the
            # order A B B A A B …, so that neither always runs after the other's writes and
            # the load of a shared machine falls on both alike.
            run_http(platform, keys, args.http_records // 4, 1, 0)
            urls = {"multi-host": platform, "direct": direct}
            rates: dict[str, list[float]] = {label: [] for label in urls}
            for round_ in range(1, 2 * args.rounds + 1):
                label = "multi-host" if round_ % 4 in (0, 1) else "direct"
                rate = run_http(urls[label], keys, args.http_records, 1, round_)["rate"]
                rates[label].append(rate)
            for label, measured in rates.items():
                print(
                    f"[ingest through the {label} URL] median {statistics.median(measured):,.0f} "
                    f"records/s over {len(measured)} rounds: "
                    + ", ".join(f"{rate:,.0f}" for rate in measured)
                )
            direct.close()
            failover(platform, keys, cluster, args.crash)
            platform.close()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
