"""Shared helpers of the benchmarks: fresh platforms on SQLite and PostgreSQL, a synthetic city
with linked citizens, memory readings and percentiles."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.config import Settings
from carbonledger.ingest.signing import public_key_b64
from carbonledger.platform import Platform
from carbonledger.simulate import city
from carbonledger.simulate.population import enrol

PG_ADMIN = os.environ.get(
    "CARBONLEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def rss_mib() -> float:
    """Resident memory of this process now."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def host_reference() -> float:
    """Milliseconds this host takes for a fixed piece of pure Python (dicts, strings, integers,
    the kind of work a record's crediting is), the best of five: printed beside a benchmark's
    figures so that runs on hosts of different speed can be compared."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        rows = []
        for number in range(50_000):
            row = {"id": f"r{number:08d}", "amount": number * 7 // 3, "kind": "award"}
            rows.append((row["id"], row["amount"] + len(row["kind"])))
        best = min(best, time.perf_counter() - started)
    return best * 1000


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=1000, method="inclusive")[int(share * 1000) - 1]


@contextmanager
def fresh_platform(backend: str, name: str = "", **settings: object) -> Iterator[Platform]:
    """An empty platform on `backend` in a temporary data directory, removed afterwards; give
    each platform open at once its own `name`."""
    with tempfile.TemporaryDirectory(prefix="carbonledger-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        if backend == "sqlite":
            platform = Platform.open(Settings(data_dir=data_dir, **settings))  # type: ignore[arg-type]
            yield platform
            platform.close()
            return
        database = f"carbonledger_bench_{os.getpid()}{name}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
        platform = Platform.open(Settings(data_dir=data_dir, database_url=url, **settings))  # type: ignore[arg-type]
        try:
            yield platform
        finally:
            platform.close()
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def add_partners(platform: Platform) -> dict[str, Ed25519PrivateKey]:
    keys = {}
    with db.write(platform.engine) as conn:
        for profile in city.PARTNERS:
            key = Ed25519PrivateKey.generate()
            accounts.add_partner(
                conn, profile.id, profile.name, public_key_b64(key), profile.role, clock.now()
            )
            keys[profile.id] = key
    return keys


def populate(
    platform: Platform, citizens: int, linked_share: float, seed: int = 7
) -> dict[str, Ed25519PrivateKey]:
    """Partners of the synthetic city, `citizens` people, the first `linked_share` of them
    linked at every data partner."""
    keys = add_partners(platform)
    enrol(platform, seed, citizens, int(citizens * linked_share))
    if platform.engine.dialect.name == "postgresql":
        # As autovacuum would soon after a bulk load: plans need the tables' statistics.
        with platform.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return keys


@contextmanager
def served(platform: Platform, port: int, workers: int = 1) -> Iterator[str]:
    """`carbonledger serve` (`workers` processes) on `platform`'s data and database; yields its
    base URL once it answers, and stops it afterwards."""
    env = dict(
        os.environ,
        CARBONLEDGER_DATA_DIR=str(platform.settings.data_dir),
        CARBONLEDGER_DATABASE_URL=platform.settings.database_url,
        CARBONLEDGER_METRICS_TOKEN=platform.settings.metrics_token,
        CARBONLEDGER_RATE_LIMIT_PER_MINUTE=str(platform.settings.rate_limit_per_minute),
    )
    # The server's log lines (one a request) go to a file beside its data, not between the
    # benchmark's figures.
    log = (platform.settings.data_dir / f"server-{port}.log").open("ab")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "carbonledger.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/api/v1/scenarios", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if server.poll() is not None:
                    raise RuntimeError(f"the server stopped; its log is {log.name}") from None
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
