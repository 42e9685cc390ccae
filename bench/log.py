"""Log benchmark, on SQLite and PostgreSQL: leaves appended per second through the sequencer (the
log layer alone, batches of 1000 v2 leaves of about 300 bytes, one write transaction each),
on-disk bytes per leaf, `verify` throughput, receipts built per second, `audit --url` leaves per
second and the explorer's entry page latency (served by `carbonledger serve`, over HTTP) on the
appended log, and inclusion and consistency proof latency at 1 and 10 million leaves. It prints
figures and asserts nothing. `--leaves 10000000` measures receipts, the audit and the explorer
at 10 million leaves.

    .venv/bin/python bench/log.py [--backend both] [--leaves 1000000] \
        [--sizes 1000000,10000000] [--proofs 2000]

The default run takes about four minutes on two cores. Larger trees: `--sizes 100000000 --backend
sqlite` builds 100 million leaves' tiles in about 3 minutes and 3.3 GB (PostgreSQL takes about
twice as long); `--leaves 10000000` appends and verifies 10 million real leaves (3.5 GB).

The proof trees are built by a bulk path: synthetic leaf hashes go through `tiles.append` in
steps of 2**20 and the tiles it returns are written to `log_tiles` with the head in `log_state`;
no entry bundles are written, as a proof reads none. The proofs are then read from the stored
tiles by `proofs.inclusion` and `proofs.consistency`, the code behind
`/api/v1/log/proof/*`, each in its own read transaction as a request would be.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import random
import socket
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event, text

from carbonledger import clock, db
from carbonledger.platform import Platform
from carbonledger.translog import proofs, publisher, sequencer, tiles
from carbonledger.translog.auditor import audit_url
from carbonledger.translog.leaves import credit_leaf
from carbonledger.translog.sources import LocalSource
from carbonledger.translog.tables import log_state, log_tiles
from carbonledger.translog.verify import verify
from support import fresh_platform, percentile, rss_mib, served

BATCH = 1000
PREPARED = 100
BULK_STEP = 1 << 20
LOG_TABLES = ("log_state", "log_tiles", "log_bundles", "checkpoints", "cosignatures")
# (partner, scenario, unit, typical quantity, factor in µg per unit): a mix like the city's.
_KINDS = (
    ("bikeshare", "cycling", "km", 4.2, 51_000_000),
    ("maps-a", "bus", "trips", 1, 80_000_000),
    ("metro", "metro", "trips", 1, 46_000_000),
    ("steps-a", "walking", "steps", 6387, 16_400),
    ("food", "no_tableware", "orders", 1, 23_000_000),
    ("motoring", "nev_charging", "kWh", 31.5, 369_000_000),
)
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def leaves(count: int, seed: int) -> Iterator[list[bytes]]:
    """Batches of `BATCH` realistic v2 credit leaves: tags of ULID record ids, day pseudonyms
    under random keys, varied scenarios, quantities and days, so that no storage compresses them
    unfairly well."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for first in range(0, count, BATCH):
        batch = []
        for _ in range(min(BATCH, count - first)):
            partner, scenario, unit, typical, factor = rng.choice(_KINDS)
            decimals = {"km": 3, "kWh": 1}.get(unit, 0)
            drawn = round(typical * rng.uniform(0.5, 2.0), decimals)
            quantity: float = drawn if decimals else int(drawn)
            reduction = int(quantity * factor) // 1000
            at = start + timedelta(seconds=rng.randrange(30 * 86_400))
            batch.append(
                credit_leaf(
                    record_id="01J" + "".join(rng.choices(_ALPHABET, k=23)),
                    partner=partner,
                    pseudonym_key=rng.randbytes(32),
                    scenario=scenario,
                    methodology=f"{scenario}@2022-08",
                    quantity=quantity,
                    unit=unit,
                    reduction_mg=reduction,
                    points=reduction // 1000,
                    day=date(at.year, at.month, at.day),
                    region=rng.choice(("110101", "110105", "110108", "110114")),
                )
            )
        yield batch


# Appending, disk, verify


def appends(platform: Platform, count: int) -> tuple[float, list[float], int]:
    """Append `count` leaves; return leaves per second (time inside the transactions only), the
    batch latencies in ms, and the total leaf bytes. The leaves are made `PREPARED` batches
    ahead: making them between appends costs the appends about 15 % through the caches it
    evicts, which measures the leaf encoder rather than the log."""
    spent, latencies, stored = 0.0, [], 0
    made = leaves(count, seed=count)
    while prepared := list(itertools.islice(made, PREPARED)):
        for batch in prepared:
            stored += sum(len(leaf) for leaf in batch)
            started = time.perf_counter()
            with db.write(platform.engine) as conn:
                sequencer.append(conn, sequencer.lock(conn), batch, clock.now())
            elapsed = time.perf_counter() - started
            spent += elapsed
            latencies.append(elapsed * 1000)
    return count / spent, latencies, stored


def log_bytes(platform: Platform) -> int:
    """The SQLite file (WAL folded in first), or the PostgreSQL log tables with their indexes
    and TOAST."""
    if platform.engine.dialect.name == "sqlite":
        with platform.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return (platform.settings.data_dir / "carbonledger.db").stat().st_size
    with platform.engine.connect() as conn:
        return sum(
            int(conn.execute(text(f"SELECT pg_total_relation_size('{name}')")).scalar_one())
            for name in LOG_TABLES
        )


def time_verify(platform: Platform) -> tuple[int, float]:
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
    source = LocalSource(platform.engine, platform.log_signer.verifier_key())
    started = time.perf_counter()
    verified = verify(source, None)
    return verified.size, time.perf_counter() - started


# Receipts, the audit, the explorer


def receipt_rate(platform: Platform, size: int, count: int) -> tuple[float, float]:
    """Receipts of random leaves per second, each built in its own read transaction as the
    partner and citizen routes build them, and the p99 in ms."""
    rng = random.Random(size)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        with db.read(platform.engine) as conn:
            receipt = proofs.receipt(conn, rng.randrange(size))
            assert receipt is not None
            receipt.encode()
        timings.append(time.perf_counter() - started)
    return count / sum(timings), percentile(timings, 0.99) * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def served_figures(platform: Platform, size: int, pages: int) -> tuple[float, float, float]:
    """Over HTTP from `carbonledger serve`: `audit --url` leaves per second (every leaf and
    tile verified, then added up), and the explorer's page of entries at random places, p50
    and p95 in ms. The bench's leaves have no records behind them, so the audit finds the
    dashboard's figures differ; that costs it nothing."""
    with served(platform, free_port()) as url:
        started = time.perf_counter()
        audited = audit_url(url)
        audit_seconds = time.perf_counter() - started
        assert audited.totals.leaves == size
        rng = random.Random(size)
        timings = []
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(pages):
                before = rng.randrange(1, size + 1)
                started = time.perf_counter()
                client.get("/log", params={"before": before}).raise_for_status()
                timings.append((time.perf_counter() - started) * 1000)
    return size / audit_seconds, percentile(timings, 0.5), percentile(timings, 0.95)


# Proofs


def build_tiles(platform: Platform, size: int) -> None:
    """The hash tiles of a tree of `size` synthetic leaves, through `tiles.append` in big steps."""
    edge: dict[int, bytes] = {}
    done = 0
    sha256 = hashlib.sha256
    while done < size:
        count = min(BULK_STEP, size - done)
        hashes = [sha256(n.to_bytes(8, "big")).digest() for n in range(done, done + count)]
        grown = tiles.append(done, edge, hashes)
        growing = set(sequencer.edge_positions(done))
        new = [
            {"level": level, "idx": index, "data": data}
            for (level, index), data in grown.tiles.items()
            if (level, index) not in growing
        ]
        with db.write(platform.engine) as conn:
            for level, index in growing:
                conn.execute(
                    log_tiles.update()
                    .where((log_tiles.c.level == level) & (log_tiles.c.idx == index))
                    .values(data=grown.tiles[(level, index)])
                )
            conn.execute(log_tiles.insert(), new)
            conn.execute(log_state.update().values(size=grown.size, root=grown.root))
        edge, done = grown.edge, grown.size
    if platform.engine.dialect.name == "postgresql":
        with platform.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


class QueryCounter:
    """Counts the statements sent to the database, to report tile reads per proof."""

    def __init__(self, platform: Platform) -> None:
        self.count = 0
        event.listen(platform.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


def proof_latency(
    platform: Platform, size: int, count: int, kind: str
) -> tuple[float, float, float]:
    """p50 and p99 in ms of `count` random proofs on the tree of `size`, each in its own read
    transaction, and the average statements per proof (BEGIN and COMMIT are not sent as
    statements on PostgreSQL; on SQLite BEGIN is)."""
    rng = random.Random(size)
    counter = QueryCounter(platform)
    timings = []
    for _ in range(count):
        if kind == "inclusion":
            index = rng.randrange(size)
            started = time.perf_counter()
            with db.read(platform.engine) as conn:
                proofs.inclusion(conn, index, size)
        else:
            first = rng.randrange(1, size)
            started = time.perf_counter()
            with db.read(platform.engine) as conn:
                proofs.consistency(conn, first, size)
        timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings, 0.5), percentile(timings, 0.99), counter.count / count


def run_backend(backend: str, args: argparse.Namespace) -> None:
    if args.leaves:
        with fresh_platform(backend) as platform:
            rate, latencies, stored = appends(platform, args.leaves)
            print(
                f"[{backend}] append: {rate:,.0f} leaves/s, {args.leaves:,} leaves of "
                f"{stored / args.leaves:.0f} bytes on average in batches of {BATCH} "
                f"(transaction p50 {percentile(latencies, 0.5):.1f} ms, "
                f"p99 {percentile(latencies, 0.99):.1f} ms)"
            )
            print(
                f"[{backend}] on disk: {log_bytes(platform) / args.leaves:,.0f} bytes per leaf "
                f"({'the whole database file' if backend == 'sqlite' else 'the log tables'})"
            )
            size, elapsed = time_verify(platform)
            print(
                f"[{backend}] verify: {size / elapsed:,.0f} leaves/s "
                f"({size:,} leaves in {elapsed:.1f} s, local database)"
            )
            rate, p99 = receipt_rate(platform, size, args.proofs)
            print(
                f"[{backend}] receipts: {rate:,.0f} built/s at {size:,} leaves "
                f"(p99 {p99:.2f} ms, {args.proofs} receipts)"
            )
            audit_rate, page_p50, page_p95 = served_figures(platform, size, args.pages)
            print(f"[{backend}] audit --url: {audit_rate:,.0f} leaves/s ({size:,} leaves)")
            print(
                f"[{backend}] explorer entry page at {size:,} leaves: p50 {page_p50:.1f} ms, "
                f"p95 {page_p95:.1f} ms ({args.pages} pages over HTTP)"
            )
    for size in args.sizes:
        with fresh_platform(backend) as platform:
            started = time.perf_counter()
            build_tiles(platform, size)
            built = time.perf_counter() - started
            disk = log_bytes(platform) / size
            for kind in ("inclusion", "consistency"):
                p50, p99, reads = proof_latency(platform, size, args.proofs, kind)
                print(
                    f"[{backend}] {kind} proof at {size:,} leaves: p50 {p50:.2f} ms, "
                    f"p99 {p99:.2f} ms ({args.proofs} proofs, {reads:.1f} statements each)"
                )
            print(
                f"[{backend}]   tiles of {size:,} leaves built in {built:.0f} s, "
                f"{disk:.1f} bytes per leaf; RSS {rss_mib():.0f} MiB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--leaves", type=int, default=1_000_000, help="leaves to append and verify (0: skip)"
    )
    parser.add_argument(
        "--sizes",
        type=lambda value: [int(size) for size in value.split(",") if size],
        default=[1_000_000, 10_000_000],
        help="tree sizes for proof latency, comma-separated (empty: skip)",
    )
    parser.add_argument("--proofs", type=int, default=2000, help="proofs timed per size")
    parser.add_argument("--pages", type=int, default=300, help="explorer pages timed")
    args = parser.parse_args()
    print(f"log benchmark, {os.cpu_count()} CPUs")
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run_backend(backend, args)


if __name__ == "__main__":
    main()
