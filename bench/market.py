"""Market benchmark: forming a lot of a million credits and verifying the registry against the
log (`registry verify`), on SQLite (and PostgreSQL with `--backend both`). It prints figures
and asserts nothing.

    .venv/bin/python bench/market.py [--credits 1000000] [--backend sqlite]

The credits go in by a bulk path in the pipeline's shape, as bench/ledgers.py does: real credit
leaves appended to the log by the sequencer (batches of 20,000), the `records` rows that name
them written with the driver's bulk insert, then a signed checkpoint. Then, each timed: planning the
lot (a read transaction: the eligible credits' totals and their leaf digest from the level-0
tiles), forming it (the write transaction: the lot's row and the claim of every credit),
the verifier's signature, `issue`, a sale and a retirement, and `registry verify` (the whole log
verified, every credit of the lot decoded and digested, units, serials and the retirement).
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from carbonledger import clock, db
from carbonledger.ids import ulid
from carbonledger.market import forming, lots, registry, signing, verifiers
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market.audit import audit
from carbonledger.market.sources import LocalRegistry
from carbonledger.platform import Platform
from carbonledger.translog import publisher, sequencer
from carbonledger.translog.leaves import Leaf
from carbonledger.translog.sources import LocalSource
from support import fresh_platform, rss_mib

BATCH = 20_000
_REGIONS = ("110101", "110105", "110108", "110114")
_COLUMNS = (
    "id",
    "partner_id",
    "external_id",
    "batch_id",
    "content_hash",
    "partner_user",
    "citizen_id",
    "scenario",
    "occurred_at",
    "ended_at",
    "quantity_milli",
    "credited_milli",
    "embodied_mg",
    "region",
    "evidence_key",
    "day",
    "status",
    "reason",
    "errors",
    "duplicate_of",
    "reduction_mg",
    "points",
    "methodology",
    "leaf_index",
    "capped",
    "received_at",
    "credited_at",
)


def credits(count: int, credited: datetime) -> Iterator[tuple[list[bytes], list[dict[str, Any]]]]:
    """Batches of (leaves, records): cycling credits of 2026 in four districts."""
    rng = random.Random(13)
    for first in range(0, count, BATCH):
        leaves, rows = [], []
        for n in range(first, min(first + BATCH, count)):
            at = datetime(2026, 1, 1, 7, tzinfo=UTC) + timedelta(
                seconds=rng.randrange(300 * 86_400)
            )
            km = round(rng.uniform(1.0, 12.0), 3)
            mg = int(km * 51_000_000) // 1000
            record_id = ulid(at)
            region = rng.choice(_REGIONS)
            day = date(at.year, at.month, at.day)
            leaves.append(
                Leaf(
                    "credit",
                    record_id,
                    "bikeshare",
                    f"{rng.getrandbits(128):032x}",
                    "cycling",
                    "cycling@2022-08",
                    km,
                    "km",
                    mg,
                    mg // 1000,
                    day,
                    region,
                    at,
                ).encode()
            )
            rows.append(
                {
                    "id": record_id,
                    "partner_id": "bikeshare",
                    "external_id": f"b-{n}",
                    "batch_id": "bulk",
                    "content_hash": n.to_bytes(32, "big"),
                    "partner_user": f"u{n % 50_000}",
                    "citizen_id": f"C{n % 50_000:025d}",
                    "scenario": "cycling",
                    "occurred_at": at,
                    "ended_at": None,
                    "quantity_milli": int(km * 1000),
                    "credited_milli": int(km * 1000),
                    "embodied_mg": None,
                    "region": region,
                    "evidence_key": None,
                    "day": day,
                    "status": "accepted",
                    "reason": None,
                    "errors": None,
                    "duplicate_of": None,
                    "reduction_mg": mg,
                    "points": mg // 1000,
                    "methodology": "cycling@2022-08",
                    "leaf_index": n,
                    "capped": False,
                    "received_at": credited,
                    "credited_at": credited,
                }
            )
        yield leaves, rows


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def load(platform: Platform, count: int) -> float:
    """The log and the records of `count` credits; return seconds."""
    started = time.perf_counter()
    credited = clock.now() - timedelta(days=40)
    postgres = platform.engine.dialect.name == "postgresql"
    for leaves, rows in credits(count, credited):
        with db.write(platform.engine) as conn:
            sequencer.append(conn, sequencer.lock(conn), leaves, clock.now())
            raw = conn.connection.driver_connection
            assert raw is not None
            if postgres:
                with (
                    raw.cursor() as cursor,
                    cursor.copy(f"COPY records ({', '.join(_COLUMNS)}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row([row[c] for c in _COLUMNS])
            else:
                raw.executemany(
                    f"INSERT INTO records ({', '.join(_COLUMNS)}) VALUES "
                    f"({', '.join('?' for _ in _COLUMNS)})",
                    [[_value(row[c]) for c in _COLUMNS] for row in rows],
                )
        print(f"\r  {rows[-1]['leaf_index'] + 1:,} credits", end="", flush=True)
    print()
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
    with platform.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def timed(label: str, work: Any) -> Any:
    started = time.perf_counter()
    result = work()
    print(f"  {label}: {time.perf_counter() - started:.2f} s")
    return result


def run(backend: str, count: int) -> None:
    print(f"{backend}: {count:,} credits")
    with fresh_platform(backend) as platform:
        print(f"  bulk load (log and records): {load(platform, count):.1f} s")
        terms = forming.LotTerms(date(2026, 1, 1), date(2026, 12, 31), ("cycling",), _REGIONS)

        def plan() -> forming.Plan:
            with db.read(platform.engine) as conn:
                return forming.plan(conn, terms, known_scenarios=["cycling"], now=clock.now())

        planned = timed("plan a lot (read transaction)", plan)

        def form() -> int:
            with db.write(platform.engine) as conn:
                return forming.form(conn, planned, city="110000", by="bench", now=clock.now())

        number = timed("form it (write transaction)", form)
        seed = signing.new_seed()
        with db.write(platform.engine) as conn:
            verifiers.register(
                conn,
                "bench",
                "Bench",
                base64.b64encode(signing.public_key(seed)).decode(),
                "bench",
                clock.now(),
            )
            manifest = lots.manifest_of(lots.get_lot(conn, number))
        print(
            f"  lot {manifest.lot}: {manifest.credits:,} credits, "
            f"{manifest.total_mg / 1e9:,.1f} t CO2e"
        )
        signature = base64.b64encode(signing.sign(seed, manifest)).decode()
        with db.read(platform.engine) as conn:
            checked = verifiers.check(conn, number, "bench", signature)
        later = clock.now() + timedelta(days=8)

        def issue() -> tuple[int, int]:
            with db.write(platform.engine) as conn:
                verifiers.store(conn, number, "bench", checked, clock.now())
                return lots.issue(conn, number, "bench", later)

        units, buffer = timed("sign and issue", issue)
        print(f"  {units:,} units, {buffer:,} in the buffer")
        with db.write(platform.engine) as conn:
            buyer = registry.open_account(conn, "bench-buyer", "enterprise", "Bench", clock.now())
            registry.transfer(
                conn,
                number,
                1000,
                seller=registry_repo.POOL,
                buyer=buyer,
                price_fen=4350,
                funds=None,
                now=clock.now(),
            )
            registry.retire(
                conn,
                number,
                400,
                holder=buyer,
                purpose="bench",
                beneficiary="bench",
                now=clock.now(),
            )
        with db.write(platform.engine) as conn:
            publisher.publish(conn, platform, clock.now())
        source = LocalSource(platform.engine, platform.log_signer.verifier_key())
        result = timed("registry verify", lambda: audit(source, LocalRegistry(platform.engine)))
        print(f"  {result.summary()}; problems: {len(result.problems)}")
        print(f"  peak RSS {rss_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--credits", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, args.credits)


if __name__ == "__main__":
    main()
