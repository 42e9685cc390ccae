"""The platform's Prometheus metrics and the small functions the code calls to record them.

Counters and histograms live in the process that serves the request. With several worker
processes (`serve --workers N`) the server sets `PROMETHEUS_MULTIPROC_DIR` before the workers
start, so every worker writes its samples to files there and `/metrics`, whichever worker
answers it, adds them up (prometheus-client's multiprocess mode). Figures of the whole platform
(log size, checkpoint age, pending records, points) are read from the database when scraped,
by `figures.DatabaseFigures`, so every worker answers the same.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.registry import REGISTRY
from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import Pool

_LOCK_TAKEN_AT = "carbonledger_log_lock_taken_at"
_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

requests = Counter(
    "carbonledger_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
request_seconds = Histogram(
    "carbonledger_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=_FAST,
)
records = Counter(
    "carbonledger_records",
    "Records answered to partners, by result",
    ["partner", "status", "reason"],
)
batch_records = Histogram(
    "carbonledger_batch_records",
    "Records in a partner batch",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000),
)
batch_seconds = Histogram(
    "carbonledger_batch_duration_seconds",
    "Time to decide a partner batch, database transaction included",
    buckets=_FAST,
)
lock_wait_seconds = Histogram(
    "carbonledger_log_lock_wait_seconds", "Time spent waiting for the log lock", buckets=_FAST
)
lock_hold_seconds = Histogram(
    "carbonledger_log_lock_hold_seconds",
    "Time the log lock was held, until its transaction ended",
    buckets=_FAST,
)
jobs = Counter("carbonledger_background_jobs", "Background duty rounds", ["job", "outcome"])
pool_in_use = Gauge(
    "carbonledger_db_pool_connections_in_use",
    "Database connections checked out of the pools",
    multiprocess_mode="livesum",
)
pool_open = Gauge(
    "carbonledger_db_pool_connections_open",
    "Database connections open in the pools",
    multiprocess_mode="livesum",
)


def share_between_workers(directory: Path) -> None:
    """Before worker processes start: make them write their samples under `directory` (emptied
    first: counters start again with the server, as Prometheus expects of a restart)."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def registry() -> CollectorRegistry:
    """The registry `/metrics` renders: this process's, or all workers' in multiprocess mode."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    return combined


def request_answered(method: str, route: str, status: int, seconds: float) -> None:
    requests.labels(method, route, str(status)).inc()
    request_seconds.labels(method, route).observe(seconds)


def batch_decided(partner: str, results: list[Any], seconds: float) -> None:
    """A batch's results (each with `status` and `reason`) and the time it took."""
    batch_records.observe(len(results))
    batch_seconds.observe(seconds)
    for result in results:
        records.labels(partner, str(result.status), result.reason or "").inc()


def job_ran(job: str, ok: bool) -> None:
    jobs.labels(job, "ok" if ok else "failed").inc()


def log_lock_taken(conn: Connection, waited: float) -> None:
    """The log lock was granted after `waited` seconds; it is held until the transaction ends,
    which `_transaction_ended` times."""
    lock_wait_seconds.observe(waited)
    conn.info.setdefault(_LOCK_TAKEN_AT, time.perf_counter())


def _transaction_ended(conn: Connection) -> None:
    if conn.invalidated:
        return  # the connection was lost, and its info with it
    taken = conn.info.pop(_LOCK_TAKEN_AT, None)
    if taken is not None:
        lock_hold_seconds.observe(time.perf_counter() - taken)


def _checked_out(*_args: Any) -> None:
    pool_in_use.inc()


def _checked_in(*_args: Any) -> None:
    pool_in_use.dec()


def _opened(*_args: Any) -> None:
    pool_open.inc()


def _closed(*_args: Any) -> None:
    pool_open.dec()


event.listen(Engine, "commit", _transaction_ended)
event.listen(Engine, "rollback", _transaction_ended)
event.listen(Pool, "checkout", _checked_out)
event.listen(Pool, "checkin", _checked_in)
event.listen(Pool, "connect", _opened)
event.listen(Pool, "close", _closed)
