"""A fault-injection harness: `carbonledger serve` as a real process that a killer thread stops
with SIGKILL at random moments and starts again, partners that send signed batches and retry on
any failure, and an observer that keeps every checkpoint the log served."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from carbonledger import clock, db
from carbonledger.accounts import auth, sessions
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from tests.served import free_port

_START_TIMEOUT = 60.0


def logged_in(platform: Platform, citizen: str) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a session opened for `citizen`, as a login would."""
    with db.write(platform.engine) as conn:
        token, session = auth.open_session(conn, platform.keys, "citizen", citizen, clock.now(), 2)
    return {sessions.COOKIE: token}, {sessions.CSRF_HEADER: session.csrf}


class Server:
    """`carbonledger serve` in its own process group, restartable on the same port."""

    def __init__(
        self, data_dir: Path, env: dict[str, str], workers: int = 1, output: Path | None = None
    ) -> None:
        self.workers = workers
        self.output = output
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "CARBONLEDGER_DATA_DIR": str(data_dir), **env}
        if "CARBONLEDGER_DATABASE_URL" not in env:
            self.env.pop("CARBONLEDGER_DATABASE_URL", None)
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "carbonledger.cli",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        if self.output is None:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        else:
            with self.output.open("ab") as output:
                self.process = subprocess.Popen(
                    command,
                    env=self.env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/log/checkpoint", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the server did not answer in time")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when the machine loses power."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Acknowledged:
    """What the platform answered for each record, by (partner, external_id)."""

    results: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def send_until_answered(
    client: PartnerClient,
    batches: list[list[dict[str, Any]]],
    acknowledged: Acknowledged,
    deadline: float,
) -> None:
    """Send each batch; on any failure (refused connection, reset, 5xx) send it again, with a
    new nonce, until the platform answers 200 or the deadline passes."""
    for batch in batches:
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{client.partner_id}: batches still unanswered at the deadline")
            try:
                answer = client.submit(batch)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code == 200:
                with acknowledged.lock:
                    for result in answer.json()["results"]:
                        key = (client.partner_id, result["external_id"])
                        # A retry of an answered record must answer the same: keep the first.
                        acknowledged.results.setdefault(key, result)
                break
            with acknowledged.lock:
                acknowledged.failures += 1
            time.sleep(0.05)


class Observer:
    """Polls /log/checkpoint and keeps every distinct checkpoint note it saw."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.notes: set[str] = set()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=2) as http:
            while not self.stopping.is_set():
                try:
                    answer = http.get(f"{self.url}/log/checkpoint")
                    if answer.status_code == 200:
                        self.notes.add(answer.text)
                except httpx.HTTPError:
                    pass
                self.stopping.wait(0.05)

    def __enter__(self) -> Observer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)


def kill_repeatedly(
    server: Server, kills: int, until: Callable[[], bool], seed: int, pause: tuple[float, float]
) -> None:
    """SIGKILL the server `kills` times at random moments (restarting it each time), then let it
    run until `until()` holds."""
    chance = random.Random(seed)
    for _ in range(kills):
        time.sleep(chance.uniform(*pause))
        server.kill()
        server.start()
    while not until():
        time.sleep(0.05)


@dataclass
class Redemptions:
    """What the platform answered for each redemption key: (HTTP status, redemption id)."""

    answers: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def redeem_until_answered(
    client: httpx.Client, reward: str, keys: list[str], redemptions: Redemptions, deadline: float
) -> None:
    """Redeem once per key, retrying the same key on any failure until the platform answers
    (201 or 200 for the redemption, or a 4xx refusal such as insufficient points)."""
    for key in keys:
        while time.monotonic() < deadline:
            try:
                answer = client.post(
                    "/api/v1/me/redemptions", json={"reward": reward, "idempotency_key": key}
                )
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code < 500:
                body = answer.json()
                with redemptions.lock:
                    redemptions.answers.setdefault(key, (answer.status_code, body.get("id")))
                break
            time.sleep(0.05)
        time.sleep(0.1)
