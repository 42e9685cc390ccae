"""Live dashboard benchmark: what many wall screens cost, on a demo city.

- in process: p50/p95 of the change mark the shared poller reads every second (three index
  look-ups) against the full dashboard figures it recomputes only when the mark moves;
- served (`carbonledger serve`, one worker): `--screens` open event streams; the server's CPU
  use per second while they idle, and how long after a partner's batch is acknowledged every
  screen has the new figures (p50, p95, max over screens and batches).

    .venv/bin/python bench/dashboard.py [--citizens 1000] [--days 7] [--screens 200]
        [--batches 5] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

import httpx
from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parent))

from carbonledger import clock, db
from carbonledger.client import PartnerClient
from carbonledger.ledgers import service
from carbonledger.platform import Platform
from carbonledger.simulate import demo
from carbonledger.simulate.city import user_id
from support import fresh_platform, percentile, served

_TICKS = os.sysconf("SC_CLK_TCK")


def _timed(work: object, runs: int) -> list[float]:
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        took.append((time.perf_counter() - start) * 1000)
    return took


def in_process(platform: Platform) -> None:
    zone = platform.settings.zone

    def mark() -> None:
        with db.read(platform.engine) as conn:
            service.dashboard_marks(conn, zone, clock.now())

    def figures() -> None:
        with db.read(platform.engine) as conn:
            service.dashboard(conn, zone, service.today_in(zone, clock.now()))

    for name, took in (("change mark", _timed(mark, 300)), ("figures", _timed(figures, 30))):
        print(
            f"  {name:12} p50 {percentile(took, 0.5):7.2f} ms"
            f"   p95 {percentile(took, 0.95):7.2f} ms"
        )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _server_pid(port: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in command and str(port).encode() in command:
                return int(entry.name)
    raise RuntimeError("the served process was not found")


class Screen(threading.Thread):
    """One wall screen: reads the stream, noting when each figure set arrived."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.arrivals: list[tuple[float, int]] = []
        self.ready = threading.Event()

    def run(self) -> None:
        with (
            httpx.Client(timeout=None) as client,
            client.stream("GET", f"{self.url}/api/v1/dashboard/stream") as answer,
        ):
            for line in answer.iter_lines():
                if line.startswith("data: "):
                    accepted = json.loads(line[6:])["totals"]["accepted"]
                    self.arrivals.append((time.perf_counter(), accepted))
                    self.ready.set()


def served_figures(platform: Platform, screens: int, batches: int, port: int) -> None:
    key = demo.load_partner_key(demo.partner_key_path(platform.settings, "bank"))
    with served(platform, port) as url, PartnerClient(url, "bank", key) as bank:
        pid = _server_pid(port)
        watching = [Screen(url) for _ in range(screens)]
        for screen in watching:
            screen.start()
        for screen in watching:
            screen.ready.wait(60)
        before = _cpu_seconds(pid)
        time.sleep(10)
        idle = (_cpu_seconds(pid) - before) / 10
        print(f"  {screens} screens open: server CPU {idle * 1000:.1f} ms per second while idle")
        delays: list[float] = []
        for n in range(batches):
            bill = os.urandom(8).hex()
            record = {
                "external_id": f"bench-{bill}",
                "user": user_id("bank", n),
                "scenario": "e_billing",
                "occurred_at": clock.now().isoformat(),
                "quantity": 1,
                "evidence": {"key": bill},
            }
            time.sleep(random.random())  # at any moment of the poller's second
            counts = [len(screen.arrivals) for screen in watching]
            assert bank.submit([record]).status_code == 200
            acknowledged = time.perf_counter()
            for screen, seen in zip(watching, counts, strict=True):
                while len(screen.arrivals) == seen:
                    time.sleep(0.005)
                delays.append((screen.arrivals[seen][0] - acknowledged) * 1000)
        print(
            f"  new figures on every screen after a batch: p50 {percentile(delays, 0.5):.0f} ms"
            f"   p95 {percentile(delays, 0.95):.0f} ms   max {max(delays):.0f} ms"
            f"   ({batches} batches × {screens} screens; the poller looks once a second)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--screens", type=int, default=200)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--port", type=int, default=8311)
    options = parser.parse_args()
    for backend in ("sqlite", "postgresql") if options.backend == "both" else (options.backend,):
        with fresh_platform(backend) as platform:
            with Progress(transient=True) as progress:
                counts = demo.build(
                    platform, demo.DemoSize(options.citizens, options.days, engaged=False), progress
                )
            print(
                f"{backend}: demo city of {options.citizens} citizens, "
                f"{options.days} days: {counts}"
            )
            in_process(platform)
            served_figures(platform, options.screens, options.batches, options.port)


if __name__ == "__main__":
    main()
