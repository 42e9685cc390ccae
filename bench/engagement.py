"""Engagement and donation benchmark: check-ins, quiz answers and donations per second, one
transaction each, from one thread and from 8 threads, on SQLite and PostgreSQL.

    .venv/bin/python bench/engagement.py [--citizens 2000] [--bank 500] [--backend both]

What it shows: every payment locks its budget account (`campaign:checkin`, `campaign:quiz`) and
every donation locks its project's row, so concurrent requests queue on those rows; a quiz
answer deals the day's questions from the whole active bank, so its cost grows with the bank.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from carbonledger import clock, db
from carbonledger.donations import service as donations
from carbonledger.donations.rules import ProjectTerms
from carbonledger.engagement import quiz, service
from carbonledger.platform import Platform
from carbonledger.points.reconcile import reconcile
from carbonledger.simulate.population import enrol
from support import fresh_platform, percentile

THREADS = 8


def timed(
    platform: Platform, works: Sequence[Callable[[Any], Any]], threads: int
) -> tuple[float, float, float]:
    """Run each work in its own write transaction; (per second, p50 ms, p99 ms)."""
    latencies: list[float] = []

    def run(work: Callable[[Any], Any]) -> None:
        began = time.perf_counter()
        db.retrying(platform.engine, work)
        latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, works))
    elapsed = time.perf_counter() - started
    return len(works) / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99)


def report(name: str, figures: tuple[float, float, float]) -> None:
    rate, p50, p99 = figures
    print(f"  {name:<44} {rate:8.0f}/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")


def setup(platform: Platform, citizens: int, bank: int) -> tuple[list[str], str]:
    ids = enrol(platform, 7, citizens, 0)
    now = clock.now()
    with db.write(platform.engine) as conn:
        for budget in ("checkin", "quiz"):
            service.fund_budget(conn, budget, 10**9, "bench", now)
        for number in range(bank):
            quiz.add_question(
                conn,
                prompt_zh=f"问题{number}",
                prompt_en=f"Question {number}",
                choices_zh=["甲", "乙", "丙"],
                choices_en=["a", "b", "c"],
                answer=number % 3,
                now=now,
            )
        terms = ProjectTerms("tree_planting", "植树", "Trees", "棵", "tree", 1, 10**9)
        project = donations.create_project(conn, terms, None, now)
    return ids, project


def run(backend: str, citizens: int, bank: int) -> None:
    with fresh_platform(backend) as platform:
        ids, project = setup(platform, citizens, bank)
        zone, now = platform.settings.zone, clock.now()
        print(f"{backend}: {citizens} citizens, a bank of {bank} questions")
        halves = (ids[: citizens // 2], ids[citizens // 2 :])
        for threads, group in zip((1, THREADS), halves, strict=True):
            checkins = [lambda c, i=i: service.check_in(c, i, zone, now) for i in group]
            report(f"check-in, {threads} thread(s)", timed(platform, checkins, threads))
        for threads, group in zip((1, THREADS), halves, strict=True):
            with db.read(platform.engine) as conn:
                first = {i: quiz.todays_quiz(conn, i, zone, now).dealt[0].question for i in group}
            answers = [
                lambda c, i=i, q=first[i]: quiz.answer(c, i, q.id, q.answer, zone, now)
                for i in group
            ]
            report(f"quiz answer, {threads} thread(s)", timed(platform, answers, threads))
        for threads, group in zip((1, THREADS), halves, strict=True):
            gifts = [
                lambda c, i=i: donations.donate(c, i, project, 1, "bench", clock.now())
                for i in group
            ]
            report(f"donation to one project, {threads} thread(s)", timed(platform, gifts, threads))
        with db.read(platform.engine) as conn:
            checked = reconcile(conn)
        print(f"  reconciliation: {'clean' if checked.ok else checked.problems}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--bank", type=int, default=500)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, args.citizens, args.bank)


if __name__ == "__main__":
    main()
