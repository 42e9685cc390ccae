"""The dashboard's event stream over real HTTP: the figures at once and after every change, one
computation shared by every open stream, heartbeats on an idle stream, and a clean end when the
client leaves or the server stops; and no personal data in the dashboard's JSON, page or
stream."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from carbonledger import clock, db
from carbonledger.accounts import protection
from carbonledger.accounts.repository import citizen as citizen_row
from carbonledger.app import create_app
from carbonledger.client import PartnerClient
from carbonledger.config import Settings
from carbonledger.platform import Platform
from carbonledger.server import in_thread
from carbonledger.web.public.dashboard_feed import DashboardFeed
from tests import factories
from tests.factories import record
from tests.served import free_port

STREAM = "/api/v1/dashboard/stream"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, str, DashboardFeed]]:
    """A served platform whose feed polls every 0.1 s and beats every 0.5 s."""
    data_dir: Path = tmp_path_factory.mktemp("live") / "data"
    platform = Platform.open(Settings(data_dir=data_dir, checkpoint_interval_seconds=0.2))
    app = create_app(platform)
    feed = DashboardFeed(platform, poll_seconds=0.1, heartbeat_seconds=0.5)
    app.state.dashboard_feed = feed
    with in_thread(app) as url:
        yield platform, url, feed
    platform.close()


class Events:
    """The events of one open stream, read line by line."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()

    def next_line(self) -> str:
        return next(self.lines)

    def next_figures(self) -> dict[str, Any]:
        """The next `data:` event's JSON (skipping retry hints and heartbeats)."""
        data: list[str] = []
        for line in self.lines:
            if line.startswith("data: "):
                data.append(line.removeprefix("data: "))
            elif not line and data:
                figures: dict[str, Any] = json.loads("\n".join(data))
                return figures
        raise AssertionError("the stream ended before the next event")


@contextmanager
def stream(url: str) -> Iterator[Events]:
    with (
        httpx.Client(base_url=url, timeout=30) as client,
        client.stream("GET", STREAM) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Events(response)


def _credit(platform: Platform, url: str, trips: int, user: str | None = None) -> str:
    """A new partner credits `trips` trips of a new, linked citizen; returns the citizen id."""
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    user = user or f"u-{citizen}"
    factories.link(platform, partner.id, user, citizen)
    start = clock.now() - timedelta(hours=6)
    with PartnerClient(url, partner.id, partner.key) as client:
        answer = client.submit(
            [
                record("cycling", user=user, start=start + timedelta(minutes=40 * n))
                for n in range(trips)
            ]
        )
    assert answer.json()["summary"]["accepted"] == trips
    return citizen


def test_the_stream_sends_the_figures_then_each_change(
    live: tuple[Platform, str, DashboardFeed],
) -> None:
    platform, url, _ = live
    with stream(url) as events:
        before = events.next_figures()
        assert before == httpx.get(f"{url}/api/v1/dashboard").json()
        _credit(platform, url, 2)
        after = events.next_figures()
    assert after["totals"]["accepted"] == before["totals"]["accepted"] + 2
    assert after["totals"]["participants"] == before["totals"]["participants"] + 1
    assert after["totals"]["reduction_mg"] > before["totals"]["reduction_mg"]
    assert after["points"]["issued"] > before["points"]["issued"]


def test_many_streams_share_one_computation_per_change(
    live: tuple[Platform, str, DashboardFeed],
) -> None:
    platform, url, feed = live
    with ExitStack() as stack:
        screens = [stack.enter_context(stream(url)) for _ in range(12)]
        firsts = [screen.next_figures() for screen in screens]
        computed = feed.computations
        _credit(platform, url, 1)
        news = [screen.next_figures() for screen in screens]
        assert feed.streams == 12
    for first, new in zip(firsts, news, strict=True):
        assert new["totals"]["accepted"] == first["totals"]["accepted"] + 1
    # One change, one computation (two if the periodic refresh fell in between) — not twelve.
    assert 1 <= feed.computations - computed <= 2


def test_an_idle_stream_gets_heartbeats(live: tuple[Platform, str, DashboardFeed]) -> None:
    _, url, _ = live
    with stream(url) as events:
        assert events.next_line().startswith("retry: ")
        events.next_figures()
        lines = [events.next_line() for _ in range(4)]
    assert ": heartbeat" in lines


def test_the_poller_stops_when_the_last_stream_leaves(
    live: tuple[Platform, str, DashboardFeed],
) -> None:
    _, url, feed = live
    with stream(url) as events:
        events.next_figures()
        assert not feed.idle.is_set()
    assert feed.idle.wait(timeout=20), "the stream did not end after the client left"
    assert feed.streams == 0


def test_the_dashboard_carries_no_personal_data(live: tuple[Platform, str, DashboardFeed]) -> None:
    platform, url, _ = live
    user = "rider-" + os.urandom(6).hex()
    citizen = _credit(platform, url, 3, user=user)
    with db.read(platform.engine) as conn:
        row = citizen_row(conn, citizen)
    assert row is not None
    serial = factories.last_serial()
    secrets = {
        citizen,
        user,
        protection.pseudonym(row.pseudonym_key),
        protection.decrypt(platform.keys.data_key, row.name_enc, "name"),
        protection.decrypt(platform.keys.data_key, row.phone_enc, "phone"),
    }
    secrets |= {factories.id_number(n) for n in range(serial - 3, serial + 3)}
    with stream(url) as events:
        streamed = json.dumps(events.next_figures(), ensure_ascii=False)
    figures = httpx.get(f"{url}/api/v1/dashboard")
    page = httpx.get(f"{url}/dashboard")
    assert (figures.status_code, page.status_code) == (200, 200)
    assert figures.json()["totals"]["accepted"] >= 3
    assert "dashboard-figures" in page.text
    for text in (streamed, figures.text, page.text):
        found = [secret for secret in secrets if secret in text]
        assert found == []


def test_open_streams_end_when_the_server_is_stopped(tmp_path: Path) -> None:
    """`carbonledger serve` stops on Ctrl-C although a wall screen is still watching."""
    port = free_port()
    environment = dict(os.environ, CARBONLEDGER_DATA_DIR=str(tmp_path / "data"))
    environment.pop("CARBONLEDGER_DATABASE_URL", None)
    url = f"http://127.0.0.1:{port}"
    with subprocess.Popen(
        [sys.executable, "-m", "carbonledger.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as server:
        try:
            _wait_until_serving(server, url)
            with stream(url) as events:
                events.next_figures()
                server.send_signal(signal.SIGINT)
                heartbeats = 0
                for line in events.lines:
                    heartbeats += line.startswith(":")
                    # A heartbeat comes every 15 s: two of them mean the stream outlived the stop.
                    assert heartbeats < 2, "the stream stayed open after the server was stopped"
            assert server.wait(timeout=60) == 0
        finally:
            if server.poll() is None:
                server.kill()


def _wait_until_serving(server: subprocess.Popen[bytes], url: str) -> None:
    # Connection attempts are retried with exponential backoff (about 30 s in all) while the
    # server migrates its database and starts.
    with httpx.Client(transport=httpx.HTTPTransport(retries=7), timeout=30) as client:
        try:
            client.get(f"{url}/api/v1/scenarios")
        except httpx.TransportError:
            server.kill()
            _, errors = server.communicate()
            raise AssertionError(f"the server did not start: {errors.decode()}") from None
