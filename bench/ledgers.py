"""Ledger benchmark: p50/p95/p99 latency of the government ledger (30 days), the public
dashboard's data route and a citizen's ledger (the JSON route and the citizen app's page), read
over HTTP from `carbonledger serve`, with millions of credited records in the database, on SQLite
and PostgreSQL. It prints figures and asserts nothing.

    .venv/bin/python bench/ledgers.py [--records 10000000] [--citizens 500000] [--backend both]
        [--calls 300]

The records go in by a bulk path, not the pipeline (10 million through the pipeline would take
about half an hour): rows in the shape the pipeline writes them — `records` as credited, with all
their indexes, and the `rollups` and `participant_days` rows that count them — written with the
driver's fastest bulk insert (sqlite3 executemany, PostgreSQL COPY), then ANALYZE. Every view
reads only rollups except a citizen's own ledger, which reads that citizen's records through
the (citizen_id, day) index; so the figures show whether a view's cost stays flat as records grow.
`rollups.citizens` is filled with the record count: its value does not change the cost of reading.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from sqlalchemy import text

from carbonledger import clock, db
from carbonledger.accounts import auth
from carbonledger.accounts.sessions import COOKIE, CSRF_HEADER
from carbonledger.ids import ulid
from carbonledger.platform import Platform
from carbonledger.simulate.city import PARTNERS
from carbonledger.simulate.people import DISTRICTS
from support import add_partners, fresh_platform, percentile, rss_mib, served

DAYS = 30
_SCENARIOS = [(p.id, s) for p in PARTNERS for s in p.scenarios]
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


def synthetic(count: int, citizens: list[str], today: date) -> Iterator[dict[str, Any]]:
    """`count` credited records spread over 30 days, districts and partner scenarios."""
    chance = random.Random(10)
    regions = [code for code, weight in DISTRICTS for _ in range(weight)]
    now = clock.now()
    for n in range(count):
        partner, scenario = _SCENARIOS[n % len(_SCENARIOS)]
        day = today - timedelta(days=chance.randrange(DAYS))
        at = datetime(day.year, day.month, day.day, 1, tzinfo=UTC) + timedelta(seconds=n % 80_000)
        grams = chance.randrange(20_000, 400_000)
        yield {
            "id": ulid(at)[:16] + f"{n:010d}",
            "partner_id": partner,
            "external_id": f"bulk-{n}",
            "batch_id": "bulk",
            "content_hash": hashlib.sha256(n.to_bytes(8, "big")).digest(),
            "partner_user": f"u{n % len(citizens)}",
            "citizen_id": citizens[n % len(citizens)],
            "scenario": scenario,
            "occurred_at": at,
            "ended_at": None,
            "quantity_milli": 1000,
            "credited_milli": 1000,
            "embodied_mg": None,
            "region": chance.choice(regions),
            "evidence_key": None,
            "day": day,
            "status": "accepted",
            "reason": None,
            "errors": None,
            "duplicate_of": None,
            "reduction_mg": grams,
            "points": grams // 1000,
            "methodology": f"{scenario}@2022-08",
            "leaf_index": n,
            "capped": False,
            "received_at": now,
            "credited_at": now,
        }


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def bulk_load(platform: Platform, count: int, citizens: list[str]) -> tuple[float, int]:
    """Write `count` records and the rollups that count them; return (seconds, rollup rows)."""
    today = clock.now().astimezone(platform.settings.zone).date()
    rollups: Counter[tuple[Any, ...]] = Counter()
    joined: dict[str, tuple[date, str]] = {}
    started = time.perf_counter()
    chunk: list[dict[str, Any]] = []
    with platform.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        postgres = platform.engine.dialect.name == "postgresql"

        def flush() -> None:
            if postgres:
                with (
                    raw.cursor() as cursor,
                    cursor.copy(f"COPY records ({', '.join(_COLUMNS)}) FROM STDIN") as copy,
                ):
                    for row in chunk:
                        copy.write_row([row[c] for c in _COLUMNS])
            else:
                raw.executemany(
                    f"INSERT INTO records ({', '.join(_COLUMNS)}) VALUES "
                    f"({', '.join('?' for _ in _COLUMNS)})",
                    [[_sqlite_value(row[c]) for c in _COLUMNS] for row in chunk],
                )
            raw.commit()
            chunk.clear()

        for row in synthetic(count, citizens, today):
            key = (row["day"], row["region"], row["scenario"], row["partner_id"])
            rollups[(*key, "accepted")] += 1
            rollups[(*key, "reduction_mg")] += row["reduction_mg"]
            rollups[(*key, "points")] += row["points"]
            if row["citizen_id"] not in joined or row["day"] < joined[row["citizen_id"]][0]:
                joined[row["citizen_id"]] = (row["day"], row["region"])
            chunk.append(row)
            if len(chunk) == 50_000:
                flush()
                print(f"\r  {row['leaf_index'] + 1:,} records", end="", flush=True)
        if chunk:
            flush()
    print()
    keys = {key[:4] for key in rollups}
    joined_days = Counter(joined.values())
    with db.write(platform.engine) as conn:
        conn.execute(
            text(
                "INSERT INTO rollups (day, region, scenario, partner_id, accepted, duplicate, "
                "pending, rejected, reduction_mg, points, citizens) VALUES (:day, :region, "
                ":scenario, :partner, :accepted, 0, 0, 0, :mg, :points, :accepted)"
            ),
            [
                {
                    "day": k[0],
                    "region": k[1],
                    "scenario": k[2],
                    "partner": k[3],
                    "accepted": rollups[(*k, "accepted")],
                    "mg": rollups[(*k, "reduction_mg")],
                    "points": rollups[(*k, "points")],
                }
                for k in keys
            ],
        )
        conn.execute(
            text("INSERT INTO participant_days (day, region, joined) VALUES (:d, :r, :n)"),
            [{"d": d, "r": r, "n": n} for (d, r), n in joined_days.items()],
        )
    with platform.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return time.perf_counter() - started, len(keys)


def _session(platform: Platform, kind: str, subject: str) -> dict[str, str]:
    with db.write(platform.engine) as conn:
        token, session = auth.open_session(conn, platform.keys, kind, subject, clock.now(), 2)
    return {"Cookie": f"{COOKIE}={token}", CSRF_HEADER: session.csrf}


def timed(http: httpx.Client, path: str, headers: dict[str, str], calls: int) -> list[float]:
    http.get(path, headers=headers).raise_for_status()  # warm caches and plans
    took = []
    for _ in range(calls):
        started = time.perf_counter()
        answer = http.get(path, headers=headers)
        took.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return took


def run(backend: str, count: int, citizen_count: int, calls: int, port: int) -> None:
    with fresh_platform(backend) as platform:
        add_partners(platform)
        citizens = [f"C{n:025d}" for n in range(citizen_count)]
        with db.write(platform.engine) as conn:
            auth.add_operator(
                conn, "bench-reports", "报表", "bench-pass-1", ["reports"], clock.now()
            )
        seconds, rollup_rows = bulk_load(platform, count, citizens)
        print(
            f"{backend}: {count:,} records loaded in {seconds:,.0f} s "
            f"({count / seconds:,.0f}/s), {rollup_rows:,} rollup rows, RSS {rss_mib():.0f} MiB"
        )
        today = clock.now().astimezone(platform.settings.zone).date()
        first = today - timedelta(days=DAYS - 1)
        operator = _session(platform, "operator", "bench-reports")
        citizen = _session(platform, "citizen", citizens[citizen_count // 2])
        with served(platform, port) as url, httpx.Client(base_url=url, timeout=60) as http:
            routes = (
                (
                    "government ledger, 30 days",
                    f"/api/v1/admin/ledger?from={first}&to={today}",
                    operator,
                ),
                ("dashboard data route", "/api/v1/dashboard", {}),
                ("a citizen's ledger", "/api/v1/me/ledger", citizen),
                ("a citizen's ledger page", "/app/ledger", citizen),
            )
            for name, path, headers in routes:
                took = timed(http, path, headers, calls)
                print(
                    f"  {name:28} p50 {percentile(took, 0.5):7.1f} ms   "
                    f"p95 {percentile(took, 0.95):7.1f} ms   p99 {percentile(took, 0.99):7.1f} ms"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--citizens", type=int, default=500_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        run(backend, args.records, args.citizens, args.calls, args.port)


if __name__ == "__main__":
    main()
