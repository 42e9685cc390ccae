"""Redemption benchmark: redemptions per second with 8 concurrent clients on PostgreSQL, with
p50 and p99 latency, measured two ways:

- service: 8 threads, each a client calling `rewards.service.redeem` in its own transaction
  through `db.retrying`, as the route does. Each client redeems for its own share of 800
  citizens; rewards are spread over 20 rewards, and again all on one reward (a flash sale,
  every redemption taking the same stock row).
- http: the platform served by `carbonledger serve` (one worker process) and 8 logged-in
  citizens, each an HTTP client posting `/api/v1/me/redemptions` (session cookie, CSRF token).

Every redemption posts to the one `reserved` account, so that row is the path's serial point.

    .venv/bin/python bench/redemptions.py [--redemptions 4000] [--clients 8] [--backend postgresql]

`measure(platform, ...)` runs the service figures on a platform already open, for the points
benchmark to call.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent))

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.errors import CarbonLedgerError
from carbonledger.ids import ulid
from carbonledger.ingest.signing import public_key_b64
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points.postings import ISSUANCE, Transfer, citizen_account
from carbonledger.rewards import catalogue, service
from carbonledger.rewards.rules import KINDS, Terms
from carbonledger.simulate.population import synthetic_id_number, synthetic_phone
from support import fresh_platform, percentile, served

CITIZENS = 800
REWARDS = 20
PRICE = 50
PASSWORD = "bench-password-1"
# Serials of this benchmark's people: far from the synthetic city's (0 up), so both fit in one
# database; below 20 million, where synthetic ID numbers start to repeat.
_SERIALS = itertools.count(15_000_000)


def _merchant(platform: Platform) -> str:
    merchant_id = f"bench-shop-{ulid(clock.now()).lower()[-6:]}"
    key = public_key_b64(Ed25519PrivateKey.generate())
    with db.write(platform.engine) as conn:
        accounts.add_partner(conn, merchant_id, "Bench Shop", key, "merchant", clock.now())
    return merchant_id


def _rewards(platform: Platform, merchant_id: str, count: int, stock: int) -> list[str]:
    now = clock.now()
    kinds = list(KINDS)
    made = []
    with db.write(platform.engine) as conn:
        for number in range(count):
            terms = Terms(
                kind=kinds[number % len(kinds)],
                name_zh=f"奖品 {number}",
                name_en=f"Reward {number}",
                price=PRICE,
                stock=stock,
                per_citizen_limit=None,
                valid_from=now - timedelta(hours=1),
                valid_until=now + timedelta(days=30),
            )
            made.append(catalogue.create(conn, merchant_id, terms, now).id)
    return made


def _citizens(platform: Platform, count: int) -> list[str]:
    now = clock.now()
    with db.write(platform.engine) as conn:
        return [
            accounts.add_citizen(
                conn,
                platform.keys,
                name=f"压测{serial}",
                phone=synthetic_phone(serial),
                id_number=synthetic_id_number(serial),
                region=platform.settings.region,
                now=now,
            )
            for serial in itertools.islice(_SERIALS, count)
        ]


def _grant(platform: Platform, citizens: list[str], points: int) -> None:
    now = clock.now()
    grants = [
        Transfer(f"bench-grant:{ulid(now)}", "award", ISSUANCE, citizen_account(c), points)
        for c in citizens
    ]
    with db.write(platform.engine) as conn:
        ledger.post(conn, grants, now)


def _clients(count: int, total: int, redeem: Callable[[int, int], None]) -> dict[str, Any]:
    """`count` threads started together; client c makes redemptions c, c + count, ...;
    `redeem(client, number)` raises CarbonLedgerError on a refusal."""
    start = threading.Barrier(count + 1)
    latencies: list[list[float]] = [[] for _ in range(count)]
    outcomes: list[Counter[str]] = [Counter() for _ in range(count)]

    def client(number: int) -> None:
        start.wait()
        for redemption in range(number, total, count):
            began = time.perf_counter()
            try:
                redeem(number, redemption)
                outcomes[number]["redeemed"] += 1
            except CarbonLedgerError as error:
                outcomes[number][error.code] += 1
            latencies[number].append((time.perf_counter() - began) * 1000)

    with ThreadPoolExecutor(max_workers=count) as pool:
        running = [pool.submit(client, number) for number in range(count)]
        start.wait()
        began = time.perf_counter()
        for future in running:
            future.result()
        elapsed = time.perf_counter() - began
    every = [ms for per_client in latencies for ms in per_client]
    outcome = sum(outcomes, Counter())
    return {
        "redemptions": outcome["redeemed"],
        "seconds": elapsed,
        "rate": outcome["redeemed"] / elapsed,
        "p50_ms": percentile(every, 0.5),
        "p99_ms": percentile(every, 0.99),
        "outcome": dict(outcome),
    }


def measure(
    platform: Platform,
    *,
    redemptions: int = 4000,
    clients: int = 8,
    citizens: int = CITIZENS,
    hot: bool = False,
) -> dict[str, Any]:
    """Redemptions per second and latency through the service with `clients` threads; `hot`
    puts every redemption on one reward. Sets up its own merchant, rewards and citizens."""
    merchant = _merchant(platform)
    rewards = _rewards(platform, merchant, 1 if hot else REWARDS, redemptions)
    people = _citizens(platform, citizens)
    _grant(platform, people, PRICE * (redemptions // citizens + 1))
    hold = platform.settings.redemption_hold_minutes
    chooser = [random.Random(number) for number in range(clients)]
    run = ulid(clock.now())

    def redeem(client: int, number: int) -> None:
        citizen = people[number % citizens]
        reward = chooser[client].choice(rewards)
        key = f"{run}-{number}"
        db.retrying(
            platform.engine,
            lambda conn: service.redeem(
                conn, platform.keys, citizen, reward, key, clock.now(), hold
            ),
        )

    with db.read(platform.engine) as conn:
        before = ledger.balance(conn, "reserved")
    result = _clients(clients, redemptions, redeem)
    with db.read(platform.engine) as conn:
        held = ledger.balance(conn, "reserved") - before
    result["reserved_matches"] = held == PRICE * result["redemptions"]
    return result


def _register(url: str) -> httpx.Client:
    serial = next(_SERIALS)
    body = {
        "name": f"压测{serial}",
        "phone": synthetic_phone(serial),
        "id_number": synthetic_id_number(serial),
        "password": PASSWORD,
    }
    answer = httpx.post(f"{url}/api/v1/citizens", json=body, timeout=30)
    answer.raise_for_status()
    return httpx.Client(
        base_url=url,
        cookies=answer.cookies,
        headers={"X-CSRF-Token": answer.json()["csrf"]},
        timeout=30,
    )


def measure_http(
    platform: Platform, *, redemptions: int = 2000, clients: int = 8
) -> dict[str, Any]:
    """The same over HTTP: one served worker process, `clients` logged-in citizens."""
    merchant = _merchant(platform)
    rewards = _rewards(platform, merchant, REWARDS, redemptions)
    with served(platform, 19000 + os.getpid() % 1000) as url:
        sessions = [_register(url) for _ in range(clients)]
        ids = [s.get("/api/v1/me").json()["citizen"] for s in sessions]
        _grant(platform, ids, PRICE * (redemptions // clients + 1))
        chooser = [random.Random(number) for number in range(clients)]
        run = ulid(clock.now())

        def redeem(client: int, number: int) -> None:
            body = {"reward": chooser[client].choice(rewards), "idempotency_key": f"{run}-{number}"}
            answer = sessions[client].post("/api/v1/me/redemptions", json=body)
            if answer.status_code != 201:
                error = answer.json()["error"]
                raise CarbonLedgerError(error["message"], code=error["code"])

        result = _clients(clients, redemptions, redeem)
        for session in sessions:
            session.close()
        return result


def _print(label: str, result: dict[str, Any]) -> None:
    print(
        f"{label}: {result['redemptions']} redemptions in {result['seconds']:.1f} s = "
        f"{result['rate']:,.0f}/s, latency p50 {result['p50_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms; outcome {result['outcome']}"
        + ("" if result.get("reserved_matches", True) else "; RESERVED DOES NOT MATCH")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redemptions", type=int, default=4000)
    parser.add_argument("--http-redemptions", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    args = parser.parse_args()
    tag = f"[{args.backend}, {args.clients} clients]"
    with fresh_platform(args.backend) as platform:
        spread = measure(platform, redemptions=args.redemptions, clients=args.clients)
        _print(f"{tag} service, {REWARDS} rewards", spread)
        hot = measure(platform, redemptions=args.redemptions, clients=args.clients, hot=True)
        _print(f"{tag} service, one reward (flash sale)", hot)
        if args.http_redemptions:
            http = measure_http(platform, redemptions=args.http_redemptions, clients=args.clients)
            _print(f"{tag} HTTP, 1 worker process", http)


if __name__ == "__main__":
    main()
