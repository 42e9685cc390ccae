"""Ingest benchmark: records per second through the pipeline (batches of 1000) and over signed
HTTP (batches of 500), against a plain executemany insert of as many rows into a table as wide
as `records` (the storage ceiling), on SQLite and PostgreSQL; memory over the run.

    .venv/bin/python bench/ingest.py [--records 200000] [--http-records 50000] [--backend both]
        [--workers 1,3]

The stream is a synthetic city: several partners, about 15 % cross-partner duplicates (the same
trip from a map app, steps from a second counter, resent orders), 1 % invalid records and 3 %
of people not linked yet (pending).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from carbonledger import clock, db
from carbonledger.client import PartnerClient
from carbonledger.ingest import pipeline
from carbonledger.ingest.tables import records as records_table
from carbonledger.platform import Platform
from carbonledger.simulate.city import City
from support import fresh_platform, percentile, populate, rss_mib, served

CITIZENS = 20_000
LINKED_SHARE = 0.97


def stream(
    platform: Platform, seed: int, days_back: int = 25, tag: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Endless (partner, record) pairs from the synthetic city, 1 % of them made invalid."""
    town = City(seed, CITIZENS, platform.settings.zone, duplicate_share=0.15)
    first = (clock.now() - timedelta(days=days_back)).astimezone(platform.settings.zone).date()
    counter = itertools.count()
    for round_ in itertools.count():
        for report in town.days(first, days_back):
            record = dict(report.record)
            if round_ or tag:
                record["external_id"] = f"{record['external_id']}{tag}-r{round_}"
            if next(counter) % 100 == 0:
                record["quantity"] = -1
            yield report.partner_id, record


def batches(
    pairs: Iterator[tuple[str, dict[str, Any]]], size: int, total: int
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Per-partner batches of `size`, emitted as each fills, `total` records in all."""
    pending: dict[str, list[dict[str, Any]]] = {}
    sent = 0
    for partner, record in pairs:
        batch = pending.setdefault(partner, [])
        batch.append(record)
        if len(batch) == size:
            yield partner, batch
            pending[partner] = []
            sent += size
            if sent >= total:
                return


def run_pipeline(platform: Platform, total: int) -> dict[str, Any]:
    outcome: Counter[str] = Counter()
    memory = []
    done = 0
    elapsed = 0.0  # time in the pipeline only, not in making the stream
    for partner, batch in batches(stream(platform, 1), 1000, total):
        signed = pipeline.SignedBatch(
            partner, int(time.time()), os.urandom(8).hex(), b"\0" * 64, b"{}"
        )
        now = clock.now()
        started = time.perf_counter()
        results = db.retrying(
            platform.engine,
            lambda conn, b=batch, s=signed, n=now: pipeline.submit(conn, platform, s, b, n),
        )
        elapsed += time.perf_counter() - started
        outcome.update(r.status.value for r in results)
        done += len(batch)
        if done % max(total // 10, 1000) < 1000:
            memory.append(round(rss_mib()))
    return {
        "records": done,
        "seconds": elapsed,
        "rate": done / elapsed,
        "outcome": dict(outcome),
        "rss_mib": memory,
    }


def run_baseline(platform: Platform, count: int) -> float:
    """Rows per second of a plain executemany into a table as wide as `records`."""
    meta = MetaData()
    columns = [Column(c.name, c.type) for c in records_table.columns]
    baseline = Table("bench_baseline", meta, *columns)
    meta.create_all(platform.engine)
    now = clock.now()
    row = {c.name: None for c in records_table.columns} | {
        "partner_id": "bikeshare",
        "batch_id": "01J0000000000000000000000",
        "content_hash": b"h" * 32,
        "partner_user": "bikeshare-u0000001",
        "citizen_id": "01J0000000000000000000001",
        "scenario": "cycling",
        "occurred_at": now,
        "ended_at": now,
        "quantity_milli": 4200,
        "credited_milli": 4200,
        "region": "110108",
        "day": now.date(),
        "status": "accepted",
        "reduction_mg": 214200,
        "points": 214,
        "methodology": "cycling@2022-08",
        "leaf_index": 1,
        "capped": False,
        "received_at": now,
        "credited_at": now,
    }
    started = time.perf_counter()
    for start in range(0, count, 1000):
        rows = [
            row | {"id": f"{start + i:026d}", "external_id": f"e-{start + i}"} for i in range(1000)
        ]
        with db.write(platform.engine) as conn:
            conn.execute(baseline.insert(), rows)
    elapsed = time.perf_counter() - started
    meta.drop_all(platform.engine)
    return count / elapsed


def run_http(
    platform: Platform, keys: dict[str, Any], total: int, workers: int, round_: int
) -> dict[str, Any]:
    """Serve the platform with `workers` processes and send signed batches of 500 from two
    clients per worker."""
    from concurrent.futures import ThreadPoolExecutor

    with served(platform, 18000 + os.getpid() % 1000 + round_, workers) as url:
        clients = {p: PartnerClient(url, p, k) for p, k in keys.items()}
        latencies: list[float] = []
        outcome: Counter[str] = Counter()

        def send(item: tuple[str, list[dict[str, Any]]]) -> None:
            partner, batch = item
            began = time.perf_counter()
            response = clients[partner].submit(batch)
            latencies.append((time.perf_counter() - began) * 1000)
            response.raise_for_status()
            outcome.update(response.json()["summary"])

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2 * workers) as pool:
            # Each run its own city and ids, so a later run is new work, not replays.
            pairs = stream(platform, 2 + round_, days_back=20, tag=f"-w{workers}r{round_}")
            list(pool.map(send, batches(pairs, 500, total)))
        elapsed = time.perf_counter() - started
        done = sum(outcome.values())
        return {
            "records": done,
            "rate": done / elapsed,
            "p50_ms": percentile(latencies, 0.5),
            "p99_ms": percentile(latencies, 0.99),
            "outcome": dict(outcome),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--http-records", type=int, default=50_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--workers", default="1,3", help="worker process counts of the HTTP runs, comma-separated"
    )
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        with fresh_platform(backend, rate_limit_per_minute=1_000_000) as platform:
            started = time.perf_counter()
            keys = populate(platform, CITIZENS, LINKED_SHARE)
            print(
                f"[{backend}] {CITIZENS} citizens and links set up in "
                f"{time.perf_counter() - started:.1f} s"
            )
            result = run_pipeline(platform, args.records)
            baseline = run_baseline(platform, result["records"])
            print(
                f"[{backend}] pipeline: {result['records']} records in {result['seconds']:.1f} s "
                f"= {result['rate']:,.0f} records/s; outcome {result['outcome']}"
            )
            print(
                f"[{backend}] storage ceiling (executemany, same width): {baseline:,.0f} rows/s; "
                f"pipeline/ceiling = {result['rate'] / baseline:.2f}"
            )
            print(f"[{backend}] RSS MiB at each tenth of the run: {result['rss_mib']}")
            for round_, workers in enumerate(int(w) for w in args.workers.split(",")):
                if not args.http_records:
                    break
                http = run_http(platform, keys, args.http_records, workers, round_)
                print(
                    f"[{backend}] HTTP (batches of 500, {2 * workers} clients, {workers} "
                    f"worker(s)): {http['rate']:,.0f} records/s, batch latency p50 "
                    f"{http['p50_ms']:.0f} ms, p99 {http['p99_ms']:.0f} ms; "
                    f"outcome {http['outcome']}"
                )


if __name__ == "__main__":
    main()
