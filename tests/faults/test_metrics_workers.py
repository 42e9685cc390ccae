"""`/metrics` under `serve --workers 2`: every worker writes its samples to the shared directory
(prometheus-client's multiprocess mode), so whichever worker answers the scrape counts the
requests all workers served."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.faults.harness import Server

TOKEN = "workers-token"
REQUESTS = 60


def _healthz_count(text: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if re.match(r'^carbonledger_http_requests_total\{.*route="/healthz".*\} ', line):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_a_scrape_adds_up_every_worker(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = Server(data_dir, {"CARBONLEDGER_METRICS_TOKEN": TOKEN}, workers=2)
    server.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(
                pool.map(lambda _: httpx.get(f"{server.url}/healthz").status_code, range(REQUESTS))
            )
        assert statuses == [200] * REQUESTS
        scrapes = [
            httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            for _ in range(6)
        ]
    finally:
        server.stop()
    assert all(scrape.status_code == 200 for scrape in scrapes)
    assert all(_healthz_count(scrape.text) == REQUESTS for scrape in scrapes)
    written = list((data_dir / "metrics").glob("*.db"))
    pids = {path.stem.rsplit("_", 1)[-1] for path in written}
    assert len(pids) >= 2, written
