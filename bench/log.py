"""Log benchmark: leaves appended per second (the log layer alone, batches of 1000), inclusion
proof latency at 1 and 10 million leaves, `verify` throughput, and on-disk bytes per leaf, on
SQLite and PostgreSQL.

    .venv/bin/python bench/log.py [--backend both] [--leaves 200000] \
        [--proof-sizes 1000000,10000000]

The proof trees are built from synthetic leaf hashes straight into the hash tiles (entry bundles
are not needed for a proof); proofs are then read from the stored tiles through the same code
that serves `/api/v1/log/proof/inclusion`.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import text

from carbonledger import clock, db
from carbonledger.platform import Platform
from carbonledger.translog import proofs, publisher, sequencer, tiles
from carbonledger.translog.leaves import Leaf
from carbonledger.translog.sources import LocalSource
from carbonledger.translog.tables import log_state, log_tiles
from carbonledger.translog.verify import verify
from support import fresh_platform, percentile

BATCH = 1000
PROOFS = 2000


def leaf(number: int) -> bytes:
    return Leaf(
        kind="credit",
        record=f"01JBENCH{number:018d}",
        partner="bikeshare",
        account=hashlib.sha256(str(number % 50_000).encode()).hexdigest()[:32],
        scenario="cycling",
        methodology="cycling@2022-08",
        quantity=4.2,
        unit="km",
        reduction_mg=214_200,
        points=214,
        day=date(2026, 11, 1),
        region="110108",
        time=datetime(2026, 11, 1, 8, 20, 3, tzinfo=UTC),
    ).encode()


def appends(platform: Platform, count: int) -> float:
    batch = [leaf(n) for n in range(BATCH)]
    started = time.perf_counter()
    for _ in range(count // BATCH):
        with db.write(platform.engine) as conn:
            head = sequencer.lock(conn)
            sequencer.append(conn, head, batch, clock.now())
    return count // BATCH * BATCH / (time.perf_counter() - started)


def bytes_per_leaf(platform: Platform, leaves: int) -> float:
    if platform.engine.dialect.name == "sqlite":
        with platform.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = platform.settings.data_dir / "carbonledger.db"
        return path.stat().st_size / leaves
    with db.read(platform.engine) as conn:
        total = sum(
            conn.execute(text(f"SELECT pg_total_relation_size('{name}')")).scalar_one()
            for name in ("log_tiles", "log_bundles", "log_state", "checkpoints")
        )
    return float(total) / leaves


def build_tiles(platform: Platform, size: int) -> None:
    """Hash tiles of a tree of `size` synthetic leaves, written in large steps."""
    edge: dict[int, bytes] = {}
    done = 0
    step = 65_536
    while done < size:
        count = min(step, size - done)
        hashes = [hashlib.sha256(n.to_bytes(8, "big")).digest() for n in range(done, done + count)]
        grown = tiles.append(done, edge, hashes)
        with db.write(platform.engine) as conn:
            stored = set(sequencer.edge_positions(done))
            for (level, index), data in grown.tiles.items():
                if (level, index) in stored:
                    conn.execute(
                        log_tiles.update()
                        .where((log_tiles.c.level == level) & (log_tiles.c.idx == index))
                        .values(data=data)
                    )
                else:
                    conn.execute(log_tiles.insert().values(level=level, idx=index, data=data))
            conn.execute(log_state.update().values(size=grown.size, root=grown.root))
        edge, done = grown.edge, grown.size


def proof_latency(platform: Platform, size: int) -> tuple[float, float]:
    rng = random.Random(size)
    timings = []
    with db.read(platform.engine) as conn:
        for _ in range(PROOFS):
            index = rng.randrange(size)
            started = time.perf_counter()
            proofs.inclusion(conn, index, size)
            timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings, 0.5), percentile(timings, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--leaves", type=int, default=200_000)
    parser.add_argument("--proof-sizes", default="1000000,10000000")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        with fresh_platform(backend) as platform:
            rate = appends(platform, args.leaves)
            print(
                f"[{backend}] append: {rate:,.0f} leaves/s (batches of {BATCH}, "
                f"{len(leaf(0))}-byte leaves)"
            )
            print(
                f"[{backend}] on disk: {bytes_per_leaf(platform, args.leaves):,.0f} bytes per leaf"
            )
            with db.write(platform.engine) as conn:
                publisher.publish(conn, platform, clock.now())
            source = LocalSource(platform.engine, platform.log_signer.verifier_key())
            started = time.perf_counter()
            verified = verify(source, None)
            elapsed = time.perf_counter() - started
            print(
                f"[{backend}] verify: {verified.size / elapsed:,.0f} leaves/s "
                f"({verified.size} leaves in {elapsed:.1f} s)"
            )
        for size in (int(s) for s in args.proof_sizes.split(",") if s):
            with fresh_platform(backend) as platform:
                started = time.perf_counter()
                build_tiles(platform, size)
                built = time.perf_counter() - started
                p50, p99 = proof_latency(platform, size)
                print(
                    f"[{backend}] inclusion proof at {size:,} leaves: p50 {p50:.2f} ms, "
                    f"p99 {p99:.2f} ms ({PROOFS} proofs; tiles built in {built:.0f} s)"
                )


if __name__ == "__main__":
    main()
