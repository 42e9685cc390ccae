"""Login stall benchmark: a partner's batch latency (p50, p99) over real HTTP on SQLite, alone
and while 20 clients log in with the right password as fast as they can. A login checks its
argon2 hash (about a tenth of a second) outside any transaction and writes its session in a
short one, so the logins should barely slow the batches (aim: within 1.5x). The login clients
run in a process of their own, so that they do not slow the partner's client.

    .venv/bin/python bench/login_stall.py [--batches 200] [--records 50] [--clients 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent))

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.accounts.passwords import hash_password
from carbonledger.client import PartnerClient
from carbonledger.ingest.signing import public_key_b64
from carbonledger.platform import Platform
from carbonledger.simulate.population import synthetic_id_number, synthetic_phone
from support import fresh_platform, percentile, served

PASSWORD = "bench-pass-7"
RIDERS = 20


def _setup(platform: Platform, logins: int) -> tuple[Ed25519PrivateKey, list[str]]:
    """A data partner with RIDERS linked riders, and `logins` citizens with a password."""
    key = Ed25519PrivateKey.generate()
    now = clock.now()
    stored = hash_password(PASSWORD)
    phones = []
    with db.write(platform.engine) as conn:
        accounts.add_partner(conn, "bikes", "Bikes", public_key_b64(key), "data", now)
        for serial in range(1, max(logins, RIDERS) + 1):
            citizen = accounts.add_citizen(
                conn,
                platform.keys,
                name=f"市民{serial}",
                phone=synthetic_phone(serial),
                id_number=synthetic_id_number(serial),
                region=platform.settings.region,
                now=now,
                password_hash=stored,
            )
            phones.append(synthetic_phone(serial))
            if serial <= RIDERS:
                keys = platform.keys
                code = accounts.create_link_code(conn, keys, citizen, "bikes", now, 10)
                accounts.link(conn, keys, "bikes", f"r{serial}", code, now)
    return key, phones[:logins]


def _batches(count: int, size: int) -> list[list[dict[str, object]]]:
    """Bike trips of the riders, a minute each, two minutes apart per rider."""
    start = clock.now() - timedelta(hours=26)
    trips = []
    for n in range(count * size):
        rider, turn = n % RIDERS, n // RIDERS
        begins = start + timedelta(minutes=2 * turn, seconds=rider)
        trips.append(
            {
                "external_id": f"t-{n}",
                "user": f"r{rider + 1}",
                "scenario": "cycling",
                "occurred_at": begins.isoformat(),
                "ended_at": (begins + timedelta(minutes=1)).isoformat(),
                "quantity": 0.25,
            }
        )
    return [trips[i : i + size] for i in range(0, len(trips), size)]


def _send(client: PartnerClient, batches: list[list[dict[str, object]]]) -> list[float]:
    took = []
    for batch in batches:
        started = time.perf_counter()
        answer = client.submit(batch)
        took.append(time.perf_counter() - started)
        answer.raise_for_status()
    return took


def _log_in_until(url: str, phone: str, stop: Any, count: Any) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        while not stop.is_set():
            answer = client.post(
                "/api/v1/session/citizen", json={"phone": phone, "password": PASSWORD}
            )
            if answer.status_code == 200:
                with count.get_lock():
                    count.value += 1


def _crowd(url: str, phones: list[str], stop: Any, count: Any) -> None:
    """One client thread a phone, logging in until `stop`, counting its logins in `count`. Run
    in a process of its own, so the crowd's threads do not slow the partner's client here."""
    threads = [
        threading.Thread(target=_log_in_until, args=(url, phone, stop, count)) for phone in phones
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _figures(label: str, took: list[float]) -> tuple[float, float]:
    p50, p99 = percentile(took, 0.5) * 1000, percentile(took, 0.99) * 1000
    print(f"{label:<32} p50 {p50:8.1f} ms   p99 {p99:8.1f} ms   ({len(took)} batches)")
    return p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--records", type=int, default=50)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--port", type=int, default=8787)
    args = parser.parse_args()
    with fresh_platform("sqlite", rate_limit_per_minute=1_000_000) as platform:
        key, phones = _setup(platform, args.clients)
        batches = _batches(2 * args.batches, args.records)
        with served(platform, args.port) as url, PartnerClient(url, "bikes", key) as client:
            _send(client, batches[:2])  # warm up
            alone = _figures("batches alone", _send(client, batches[2 : args.batches]))
            context = multiprocessing.get_context("spawn")
            stop, logins = context.Event(), context.Value("i", 0)
            crowd = context.Process(target=_crowd, args=(url, phones, stop, logins))
            crowd.start()
            time.sleep(2)
            started, before = time.perf_counter(), logins.value
            loaded = _send(client, batches[args.batches :])
            elapsed, made = time.perf_counter() - started, logins.value - before
            stop.set()
            crowd.join()
            during = _figures(f"with {args.clients} clients logging in", loaded)
    print(f"logins completed meanwhile: {made} ({made / elapsed:.1f}/s)")
    print(f"ratio p50 {during[0] / alone[0]:.2f}x, p99 {during[1] / alone[1]:.2f}x (aim: <= 1.5x)")


if __name__ == "__main__":
    main()
