"""Points benchmark, one section per part of the points loop; each prints its figures.

    .venv/bin/python bench/points.py [--section all] [--records 50000] [--backend both]

Sections:

- `awards`: credits awarded per second inside the ingest pipeline (batches of 1000 from
  bench/ingest.py's synthetic city) with campaigns active — double points for green travel
  city-wide and 1.5× for green dining in one district, budgets that never run out — against the
  same pipeline with no campaign as the baseline, on SQLite and PostgreSQL. Two platforms in
  this process, one with the campaigns and one without, are sent the same batches in turn, so
  the same data, the growing tables and the machine's other load weigh on both alike.
- `redemptions`: redemptions per second with 8 concurrent clients through the rewards service on
  PostgreSQL, with p50/p99 latency (bench/redemptions.py's `measure`; that file has the rest).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redemptions
from carbonledger import clock, db
from carbonledger.ingest import pipeline
from carbonledger.ingest.results import Status
from carbonledger.platform import Platform
from carbonledger.points import repository as points_repo
from carbonledger.points import service as points
from carbonledger.points.campaigns import Campaign
from ingest import CITIZENS, LINKED_SHARE, batches, stream
from support import fresh_platform, populate

BUDGET = 10**12  # never runs out: the figure is the cost of matching and paying bonuses
MODES = ("no campaign", "2 campaigns")


def open_campaigns(platform: Platform) -> None:
    """Campaigns covering the whole synthetic stream (the last 25 days)."""
    now = clock.now()
    shared = {
        "starts_at": now - timedelta(days=30),
        "ends_at": now + timedelta(days=1),
        "scenarios": frozenset(),
        "budget": BUDGET,
    }
    campaigns = [
        Campaign(
            id="green-travel-x2",
            name_zh="绿色出行双倍积分",
            name_en="Double points for green travel",
            multiplier_permille=2000,
            categories=frozenset({"green_travel"}),
            regions=frozenset({platform.settings.region}),
            **shared,
        ),
        Campaign(
            id="haidian-dining-x1.5",
            name_zh="海淀光盘行动",
            name_en="Clean plates in Haidian",
            multiplier_permille=1500,
            categories=frozenset({"green_dining"}),
            regions=frozenset({"110108"}),
            **shared,
        ),
    ]
    with db.write(platform.engine) as conn:
        for campaign in campaigns:
            points.create_campaign(conn, platform.catalogue, campaign, "bench", now)


def timed_submit(
    platform: Platform, partner: str, batch: list[dict[str, Any]]
) -> tuple[float, int]:
    """Seconds in the batch's transaction, and the credits it awarded."""
    signed = pipeline.SignedBatch(partner, 0, os.urandom(8).hex(), b"\0" * 64, b"{}")
    now = clock.now()
    started = time.perf_counter()
    results = db.retrying(
        platform.engine, lambda conn: pipeline.submit(conn, platform, signed, batch, now)
    )
    return time.perf_counter() - started, sum(r.status is Status.ACCEPTED for r in results)


def awards_on(platforms: dict[str, Platform], records: int) -> dict[str, dict[str, float]]:
    """Send each batch to every platform, in turn first; time each batch's transaction only."""
    figures = {mode: {"records": 0.0, "awards": 0.0, "seconds": 0.0} for mode in platforms}
    town = next(iter(platforms.values()))
    order = list(platforms)
    for partner, batch in batches(stream(town, 1), 1000, records):
        order.reverse()  # neither platform always goes first
        for mode in order:
            seconds, awards = timed_submit(platforms[mode], partner, batch)
            figures[mode]["seconds"] += seconds
            figures[mode]["awards"] += awards
            figures[mode]["records"] += len(batch)
    return figures


def awards_section(args: argparse.Namespace) -> None:
    for backend in backends(args.backend):
        with (
            fresh_platform(backend, "_plain") as plain,
            fresh_platform(backend, "_promoted") as promoted,
        ):
            for platform in (plain, promoted):
                populate(platform, CITIZENS, LINKED_SHARE)
            open_campaigns(promoted)
            figures = awards_on({MODES[0]: plain, MODES[1]: promoted}, args.records)
            with db.read(promoted.engine) as conn:
                moved = points_repo.kind_totals(conn)
        for mode, run in figures.items():
            print(
                f"[{backend}] awards, {mode}: {run['awards']:,.0f} credits awarded of "
                f"{run['records']:,.0f} records in {run['seconds']:.1f} s = "
                f"{run['awards'] / run['seconds']:,.0f} awards/s "
                f"({run['records'] / run['seconds']:,.0f} records/s)"
            )
        without, with_ = (figures[mode]["seconds"] for mode in MODES)
        print(
            f"[{backend}] awards: time with campaigns / without = {with_ / without:.2f}; "
            f"points paid with campaigns: base {moved.get('award', 0):,}, "
            f"bonuses {moved.get('bonus', 0):,}"
        )


def redemptions_section(args: argparse.Namespace) -> None:
    with fresh_platform("postgresql") as platform:
        result = redemptions.measure(platform, redemptions=args.redemptions, clients=8)
    print(
        f"[postgresql] redemptions, 8 clients: {result['redemptions']} in "
        f"{result['seconds']:.1f} s = {result['rate']:,.0f}/s, latency p50 "
        f"{result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms"
    )


SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {
    "awards": awards_section,
    "redemptions": redemptions_section,
}


def backends(choice: str) -> tuple[str, ...]:
    return ("sqlite", "postgresql") if choice == "both" else (choice,)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", choices=("all", *SECTIONS), default="all")
    parser.add_argument("--records", type=int, default=50_000, help="records per awards run")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--redemptions", type=int, default=4000)
    args = parser.parse_args()
    started = time.perf_counter()
    for name, section in SECTIONS.items():
        if args.section in ("all", name):
            section(args)
    print(f"points benchmark done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
