"""Ingest benchmark: records per second through the pipeline, by stage, beside two storage
ceilings, for four workloads, on SQLite and PostgreSQL; then signed HTTP.

    .venv/bin/python bench/ingest.py [--records 100000] [--backend both]
        [--workloads city,dense,release,stored,memory] [--stored 1000000]
        [--http-records 50000]
        [--workers 1,2]

Workloads:
  city     the synthetic city: 20,000 citizens, a dozen partners, about 15 % cross-partner
           duplicates, 1 % invalid records and 3 % of people not linked yet (pending).
  dense    dense commuters: 36 citizens with about 12 trips a day over 25 days each (300 trips),
           every other trip reported again by a map app; batches span the whole window.
  release  a link that releases 30 days of pending records: 40 partner users unlinked while their
           month of records arrives, then each links; records released per second.
  stored   the city mix on top of `--stored` records already in the database (bulk-loaded in the
           pipeline's shape), against the same run on an empty one.
  memory   the city mix with nothing captured for a ceiling: the pipeline's own resident memory,
           read ten times over the run.

Ceilings, run in the same process on the same database kind:
  width    a plain driver-level executemany of rows as wide as `records` into a table like it.
  replay   the very statements the pipeline wrote for the run (every table, with its indexes),
           captured from the engine and executed again with plain DB-API calls, transaction by
           transaction, on a copy of the database as it was before the run: no Python logic.
           The capture runs on a twin of the platform (its keys, a copy of its database), the
           same work a second time, so that the timed run carries no capture.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Column, MetaData, Table, event, make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from carbonledger import clock, db, heap
from carbonledger.accounts import service as accounts
from carbonledger.client import PartnerClient
from carbonledger.ingest import crediting, pending, pipeline
from carbonledger.ingest.tables import records as records_table
from carbonledger.platform import Platform
from carbonledger.simulate.city import City, user_id
from carbonledger.simulate.population import synthetic_id_number, synthetic_name, synthetic_phone
from support import (
    PG_ADMIN,
    fresh_platform,
    host_reference,
    percentile,
    populate,
    rss_mib,
    served,
)

CITIZENS = 20_000
LINKED_SHARE = 0.97
DENSE_CITIZENS = 36
DENSE_DAYS = 25
RELEASE_USERS = 40
STAGES = ("validation", "lock_wait", "dedupe", "points", "quantify_and_leaf", "log", "writes")


# Record streams -----------------------------------------------------------------------------


def city_stream(
    platform: Platform, seed: int, days_back: int = 25, tag: str = "", days: int | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Endless (partner, record) pairs from the synthetic city, from `days_back` days ago for
    `days` days (all of them by default), 1 % of them made invalid."""
    town = City(seed, CITIZENS, platform.settings.zone, duplicate_share=0.15)
    first = (clock.now() - timedelta(days=days_back)).astimezone(platform.settings.zone).date()
    counter = itertools.count()
    for round_ in itertools.count():
        for report in town.days(first, days or days_back):
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
    waiting: dict[str, list[dict[str, Any]]] = {}
    sent = 0
    for partner, record in pairs:
        batch = waiting.setdefault(partner, [])
        batch.append(record)
        if len(batch) == size:
            yield partner, batch
            waiting[partner] = []
            sent += size
            if sent >= total:
                return


def _ride(user: str, external_id: str, start: datetime, minutes: int, km: float) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "user": user,
        "scenario": "cycling",
        "occurred_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=minutes)).isoformat(),
        "quantity": km,
    }


def dense_records(
    citizens: range, days: int, tag: str, until: datetime | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(partner, record): each citizen's 12 rides a day over `days` days from the bike operator,
    every other one again from a map app (the same ride, a minute off), the days interleaved so
    that every batch spans the whole window."""
    until = until or clock.now() - timedelta(hours=1)
    first = until - timedelta(days=days)
    for hour_slot in range(12):
        for day in range(days):
            for serial in citizens:
                start = first + timedelta(days=day, hours=6 + hour_slot, minutes=serial % 30)
                ride = f"{tag}-{serial}-{day}-{hour_slot}"
                yield "bikeshare", _ride(user_id("bikeshare", serial), ride, start, 25, 5.0)
                if hour_slot % 2 == 0:
                    yield (
                        "maps-a",
                        _ride(
                            user_id("maps-a", serial),
                            "m" + ride,
                            start + timedelta(minutes=1),
                            25,
                            5.1,
                        ),
                    )


# Measuring ------------------------------------------------------------------------------------


class Capture:
    """The write statements the engine runs, grouped by transaction, for the replay ceiling."""

    def __init__(self, platform: Platform) -> None:
        self.engine = platform.engine
        self.transactions: list[list[tuple[str, Any, bool]]] = []
        self._open: list[tuple[str, Any, bool]] = []

    def _statement(self, _c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        verb = sql.lstrip().split(None, 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE"}:
            self._open.append((sql, params, many))

    def _commit(self, _conn: Any) -> None:
        if self._open:
            self.transactions.append(self._open)
        self._open = []

    def _rollback(self, _conn: Any) -> None:
        self._open = []

    def _copy(self, conn: Any, table: Any, names: Any, values: Any) -> None:
        self._open.append((f"COPY {table.name} ({', '.join(names)}) FROM STDIN", values, True))
        self._copy_rows(conn, table, names, values)

    def __enter__(self) -> Capture:
        # COPY runs on the driver's cursor, unseen by the engine's events: wrapped here.
        self._copy_rows = db.copy_rows
        db.copy_rows = self._copy  # type: ignore[assignment]
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *_: object) -> None:
        db.copy_rows = self._copy_rows  # type: ignore[assignment]
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)


def snapshot(platform: Platform, name: str) -> Any:
    """A copy of the database as it is now, to replay the run's writes on."""
    platform.engine.dispose()
    if platform.engine.dialect.name == "sqlite":
        import sqlite3

        copy = platform.settings.data_dir / f"replay-{name}.db"
        raw = platform.engine.raw_connection()
        try:
            with sqlite3.connect(copy) as target:
                raw.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            raw.close()
        return copy
    database = platform.settings.database_url.rsplit("/", 1)[1]
    copy_name = f"{database}_replay_{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy_name}"')
        conn.execute(f'CREATE DATABASE "{copy_name}" TEMPLATE "{database}"')
    return copy_name


def replay(platform: Platform, copy: Any, capture: Capture) -> float:
    """Seconds to run the captured writes again on the copy with plain DB-API calls."""
    if platform.engine.dialect.name == "sqlite":
        import sqlite3

        conn: Any = sqlite3.connect(copy, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        begin = "BEGIN IMMEDIATE"
    else:
        conn = psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + copy, autocommit=True)
        begin = "BEGIN"
    cursor = conn.cursor()
    started = time.perf_counter()
    for transaction in capture.transactions:
        cursor.execute(begin)
        for sql, params, many in transaction:
            if sql.startswith("COPY"):
                with cursor.copy(sql) as copying:
                    for row in params:
                        copying.write_row(row)
            elif many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
        cursor.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    if platform.engine.dialect.name == "sqlite":
        Path(copy).unlink()
    else:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    return elapsed


def width_ceiling(platform: Platform, count: int) -> float:
    """Rows per second of a plain executemany into a table as wide as `records`."""
    meta = MetaData()
    baseline = Table("bench_width", meta, *(Column(c.name, c.type) for c in records_table.columns))
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
            db.insert_rows(conn, baseline, rows)
    elapsed = time.perf_counter() - started
    meta.drop_all(platform.engine)
    return count / elapsed


class Run:
    """One workload's figures: records, seconds in the pipeline, seconds per stage."""

    def __init__(self) -> None:
        self.records = 0
        self.seconds = 0.0
        self.commit = 0.0
        self.outcome: Counter[str] = Counter()
        self.stages: dict[str, float] = defaultdict(float)
        self.memory: list[float] = []
        self._before: dict[str, float] = {}

    def __enter__(self) -> Run:
        self._before = dict(crediting.STAGE_SECONDS)
        return self

    def __exit__(self, *_: object) -> None:
        for name, seconds in crediting.STAGE_SECONDS.items():
            self.stages[name] += seconds - self._before.get(name, 0.0)

    def submit(self, platform: Platform, partner: str, batch: list[dict[str, Any]]) -> None:
        signed = pipeline.SignedBatch(partner, int(time.time()), os.urandom(8).hex(), b"", b"{}")
        now = clock.now()
        started = time.perf_counter()
        prepared = pipeline.prepare(platform, partner, batch, now)
        with db.write(platform.engine) as conn:
            results = pipeline.submit(conn, platform, signed, prepared, now)
            decided = time.perf_counter()
        ended = time.perf_counter()
        self.commit += ended - decided
        self.seconds += ended - started
        self.records += len(batch)
        self.outcome.update(r.status.value for r in results)

    def report(self, backend: str, name: str, ceilings: dict[str, float]) -> None:
        rate = self.records / self.seconds
        per = {s: self.stages.get(s, 0.0) / self.records * 1e6 for s in STAGES}
        per["commit"] = self.commit / self.records * 1e6
        other = self.seconds / self.records * 1e6 - sum(per.values())
        stages = ", ".join(f"{name} {value:.1f}" for name, value in per.items())
        print(
            f"[{backend}] {name}: {self.records:,} records in {self.seconds:.1f} s = "
            f"{rate:,.0f} records/s; outcome {dict(self.outcome)}"
        )
        print(f"[{backend}] {name}: µs per record by stage: {stages}, other {other:.1f}")
        for ceiling, value in ceilings.items():
            print(
                f"[{backend}] {name}: ceiling {ceiling} {value:,.0f} records/s; "
                f"pipeline/ceiling = {rate / value:.2f}"
            )
        if self.memory:
            print(f"[{backend}] {name}: RSS MiB over the run: {[round(m) for m in self.memory]}")


# Workloads ------------------------------------------------------------------------------------


@contextmanager
def twin(platform: Platform, copy: Any) -> Iterator[Platform]:
    """A second platform with `platform`'s keys and settings on `copy`, a snapshot of its
    database; the copy is removed afterwards."""
    backend = platform.engine.dialect.name
    with tempfile.TemporaryDirectory(prefix="carbonledger-twin-") as tmp:
        data_dir = Path(tmp) / "data"
        skipped = shutil.ignore_patterns("*.db", "*.db-*", "replay-*")
        shutil.copytree(platform.settings.data_dir, data_dir, ignore=skipped)
        if backend == "sqlite":
            database = Path(str(make_url(platform.settings.url).database))
            shutil.move(copy, data_dir / database.name)
            url = ""
        else:
            url = PG_ADMIN.rsplit("/", 1)[0] + "/" + copy
        settings = platform.settings.model_copy(update={"data_dir": data_dir, "database_url": url})
        other = Platform.open(settings)
        try:
            yield other
        finally:
            other.close()
            if backend != "sqlite":
                with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def with_replay(platform: Platform, name: str, work: Any) -> tuple[Run, float]:
    """Run `work(platform, run)`, timed, with nothing captured; return the run and the replay
    ceiling (records/s). For the ceiling the same work runs again on a twin of the platform as
    it was before (its keys, a copy of its database), with every write captured, and those
    writes are replayed on another copy: capturing costs the pipeline 5-10 %, so it is kept out
    of the timed run."""
    before = snapshot(platform, f"{name}-twin")
    copy = snapshot(platform, name)
    with Run() as run:
        work(platform, run)
    with twin(platform, before) as other, Capture(other) as capture, Run() as captured:
        work(other, captured)
    return run, captured.records / replay(platform, copy, capture)


def city(platform: Platform, total: int, days_back: int = 25, days: int = 25) -> tuple[Run, float]:
    def work(on: Platform, run: Run) -> None:
        pairs = city_stream(on, 1, days_back=days_back, days=days)
        for partner, batch in batches(pairs, 1000, total):
            run.submit(on, partner, batch)
            if run.records % max(total // 5, 1000) < 1000:
                run.memory.append(rss_mib())

    return with_replay(platform, f"city{days_back}", work)


def memory(platform: Platform, total: int) -> Run:
    """The city mix, nothing captured: the resident memory of the pipeline alone."""
    run = Run()
    with run:
        pairs = city_stream(platform, 7, days_back=25, tag="-m")
        for partner, batch in batches(pairs, 1000, total):
            run.submit(platform, partner, batch)
            if run.records % max(total // 10, 1000) < 1000:
                run.memory.append(rss_mib())
    return run


def dense(platform: Platform, tag: str = "d") -> tuple[Run, float]:
    records = list(dense_records(range(DENSE_CITIZENS), DENSE_DAYS, tag))

    def work(on: Platform, run: Run) -> None:
        for partner, batch in batches(iter(records), 500, len(records) - len(records) % 500):
            run.submit(on, partner, batch)
        run.memory.append(rss_mib())

    return with_replay(platform, "dense", work)


def release(platform: Platform) -> None:
    """Records of unlinked users pile up for 30 days, then each user links."""
    backend = platform.engine.dialect.name
    first = CITIZENS + 1000  # citizens registered here, never linked by populate
    serials = range(first, first + RELEASE_USERS)
    with db.write(platform.engine) as conn:
        ids = [
            accounts.add_citizen(
                conn,
                platform.keys,
                name=synthetic_name(s),
                phone=synthetic_phone(s),
                id_number=synthetic_id_number(s, "110108"),
                region="110108",
                now=clock.now(),
            )
            for s in serials
        ]
    waiting = list(dense_records(serials, platform.settings.retention_days - 1, "rel", clock.now()))
    sent = Run()
    for partner, batch in batches(iter(waiting), 1000, len(waiting) - len(waiting) % 1000):
        sent.submit(platform, partner, batch)
    released = Run()
    with released:
        for serial, citizen_id in zip(serials, ids, strict=True):
            for partner in ("bikeshare", "maps-a"):
                with db.write(platform.engine) as conn:
                    code = accounts.create_link_code(
                        conn, platform.keys, citizen_id, partner, clock.now(), 10
                    )
                started = time.perf_counter()
                with db.write(platform.engine) as conn:
                    pending.link(
                        conn, platform, partner, user_id(partner, serial), code, clock.now()
                    )
                released.seconds += time.perf_counter() - started
    released.records = sent.outcome["pending"]
    released.report(backend, "release (30 days pending, per link)", {})


def bulk_load(platform: Platform, count: int) -> float:
    """Put `count` credited records (with their trips) in the database in the pipeline's shape,
    with plain inserts; return seconds."""
    from carbonledger.ingest.tables import trips

    started = time.perf_counter()
    now = clock.now()
    old = now - timedelta(days=200)
    with db.read(platform.engine) as conn:
        citizens = [row[0] for row in conn.exec_driver_sql("SELECT id FROM citizens")]
    for start in range(0, count, 20_000):
        rows, trip_rows = [], []
        for i in range(start, min(start + 20_000, count)):
            at = old + timedelta(seconds=i % 5_000_000)
            record_id = f"0BULK{i:021d}"
            citizen = citizens[i % len(citizens)]
            rows.append(
                {
                    "id": record_id,
                    "partner_id": "bikeshare",
                    "external_id": f"bulk-{i}",
                    "batch_id": "0BULKBATCH0000000000000000",
                    "content_hash": i.to_bytes(32, "big"),
                    "partner_user": f"bulk-u{i % 50_000}",
                    "citizen_id": citizen,
                    "scenario": "cycling",
                    "occurred_at": at,
                    "ended_at": at + timedelta(minutes=20),
                    "quantity_milli": 4000,
                    "credited_milli": 4000,
                    "embodied_mg": None,
                    "region": "110108",
                    "evidence_key": None,
                    "day": at.date(),
                    "status": "accepted",
                    "reason": None,
                    "errors": None,
                    "duplicate_of": None,
                    "reduction_mg": 204000,
                    "points": 204,
                    "methodology": "cycling@2022-08",
                    "leaf_index": None,
                    "capped": False,
                    "points_capped": False,
                    "received_at": at,
                    "credited_at": at,
                }
            )
            trip_rows.append(
                {
                    "record_id": record_id,
                    "citizen_id": citizen,
                    "dedupe_group": "trip",
                    "scenario": "cycling",
                    "started_at": at,
                    "ended_at": at + timedelta(minutes=20),
                }
            )
        with db.write(platform.engine) as conn:
            db.insert_rows(conn, records_table, rows)
            db.insert_rows(conn, trips, trip_rows)
    if platform.engine.dialect.name == "postgresql":
        with platform.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def http(platform: Platform, keys: dict[str, Any], pairs: Any, total: int, workers: int) -> str:
    """Signed batches of 500 from two clients per worker; the figures as a line. The batches are
    made, encoded and signed before the clock starts: on two cores a client doing that while it
    sends would take a share of the server's cores."""
    from concurrent.futures import ThreadPoolExecutor

    path = "/api/v1/records"
    with served(platform, 18000 + os.getpid() % 500 + workers * 7, workers) as url:
        clients = {p: PartnerClient(url, p, k) for p, k in keys.items()}
        requests = []
        for partner, batch in batches(pairs, 500, total):
            requests.append((partner, *clients[partner].signed("POST", path, {"records": batch})))
        latencies: list[float] = []
        outcome: Counter[str] = Counter()

        def send(item: tuple[str, bytes, dict[str, str]]) -> None:
            partner, body, headers = item
            began = time.perf_counter()
            response = clients[partner].http.post(path, content=body, headers=headers)
            latencies.append((time.perf_counter() - began) * 1000)
            response.raise_for_status()
            outcome.update(response.json()["summary"])

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2 * workers) as pool:
            list(pool.map(send, requests))
        elapsed = time.perf_counter() - started
    done = sum(outcome.values())
    return (
        f"{done / elapsed:,.0f} records/s, batch latency p50 {percentile(latencies, 0.5):.0f} ms, "
        f"p99 {percentile(latencies, 0.99):.0f} ms; outcome {dict(outcome)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workloads", default="city,dense,release,stored,memory")
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--http-records", type=int, default=50_000)
    parser.add_argument("--workers", default="1,2", help="HTTP worker process counts")
    args = parser.parse_args()
    workloads = set(args.workloads.split(","))
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(f"[host] reference piece of Python: {host_reference():.1f} ms (smaller is faster)")
    for backend in backends:
        with fresh_platform(backend, rate_limit_per_minute=1_000_000) as platform:
            started = time.perf_counter()
            keys = populate(platform, CITIZENS, LINKED_SHARE)
            print(
                f"[{backend}] {CITIZENS} citizens linked in {time.perf_counter() - started:.1f} s"
            )
            heap.freeze_startup()  # as the server does once it is built
            width = width_ceiling(platform, args.records)
            if "city" in workloads:
                run, ceiling = city(platform, args.records)
                run.report(backend, "city", {"width": width, "replay": ceiling})
            if "dense" in workloads:
                run, ceiling = dense(platform)
                run.report(backend, "dense", {"width": width, "replay": ceiling})
            if "release" in workloads:
                release(platform)
            if "memory" in workloads:
                memory(platform, args.records).report(backend, "memory", {})
            for workers in (int(w) for w in args.workers.split(",") if args.http_records):
                pairs = city_stream(platform, 2 + workers, days_back=20, tag=f"-w{workers}")
                line = http(platform, keys, pairs, args.http_records, workers)
                print(f"[{backend}] HTTP city, {workers} worker(s): {line}")
                others = range(100 * workers, 100 * workers + DENSE_CITIZENS)
                dense_pairs = dense_records(others, DENSE_DAYS, f"h{workers}")
                count = min(args.http_records, DENSE_CITIZENS * DENSE_DAYS * 18)
                line = http(platform, keys, dense_pairs, count - count % 500, workers)
                print(f"[{backend}] HTTP dense, {workers} worker(s): {line}")
        if "stored" in workloads:
            with fresh_platform(backend, name="stored", rate_limit_per_minute=1_000_000) as big:
                populate(big, CITIZENS, LINKED_SHARE)
                empty, _ = city(big, args.records // 2, days_back=25, days=12)
                loaded = bulk_load(big, args.stored)
                print(f"[{backend}] {args.stored:,} stored records bulk-loaded in {loaded:.0f} s")
                full, _ = city(big, args.records // 2, days_back=12, days=12)
                empty_us = empty.seconds / empty.records * 1e6
                full_us = full.seconds / full.records * 1e6
                print(
                    f"[{backend}] stored: µs per record {empty_us:.1f} on an empty database, "
                    f"{full_us:.1f} on {args.stored:,} more stored: {full_us / empty_us:.2f}×"
                )


if __name__ == "__main__":
    main()
