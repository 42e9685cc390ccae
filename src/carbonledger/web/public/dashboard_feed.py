"""The public dashboard's live figures, shared by every open event stream (server-sent events).

Many wall screens may watch at once, so the figures are never computed per screen. One poller
per process runs while at least one stream is open. Once a second it reads a cheap mark (three
index look-ups: the newest record, the newest transfer, the log's size, and the local day); only
when the mark moves, or at least every `refresh_seconds` (a pending record expiring moves no
mark), does it recompute the figures from the rollups, and only when they differ does it wake the
streams. A hundred screens cost what one does.

A stream sends the figures at once, again after each change, and a comment line as a heartbeat
so proxies keep it open. It ends when the client goes away (Starlette cancels it) and when the
server stops: uvicorn waits for every open response to finish before it shuts an app down, and an
event stream never finishes by itself, so `serving()` ends the streams as soon as the process is
asked to stop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

from starlette.concurrency import run_in_threadpool

from carbonledger import clock, db
from carbonledger.ledgers import service
from carbonledger.platform import Platform

log = logging.getLogger(__name__)
RETRY_MILLISECONDS = 3000  # how soon a browser reconnects after a stream ends
_EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def sse(data: str) -> str:
    """One server-sent event carrying `data` (a single line of JSON)."""
    return f"data: {data}\n\n"


class DashboardFeed:
    """The latest dashboard figures as JSON text, and the streams waiting for the next ones."""

    def __init__(
        self,
        platform: Platform,
        *,
        poll_seconds: float = 1.0,
        refresh_seconds: float = 30.0,
        heartbeat_seconds: float = 15.0,
    ) -> None:
        self.platform = platform
        self.poll_seconds = poll_seconds
        self.refresh_seconds = refresh_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.computations = 0
        """How many times the figures were computed (however many streams are open)."""
        self.idle = threading.Event()
        """Set while no stream is open and the poller has stopped."""
        self.idle.set()
        self._figures: str | None = None
        self._version = 0
        self._changed = asyncio.Event()
        self._streams = 0
        self._poller: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def streams(self) -> int:
        return self._streams

    async def events(self) -> AsyncIterator[str]:
        """The text of one event stream; it ends when the feed closes."""
        if self._closed:
            return
        self._streams += 1
        self.idle.clear()
        self._start()
        try:
            yield f"retry: {RETRY_MILLISECONDS}\n\n"
            seen = 0
            while not self._closed:
                if self._figures is not None and self._version > seen:
                    seen = self._version
                    yield sse(self._figures)
                    continue
                try:
                    await asyncio.wait_for(self._changed.wait(), self.heartbeat_seconds)
                except TimeoutError:
                    yield ": heartbeat\n\n"
        finally:
            self._streams -= 1
            if self._streams == 0:
                self._stop()

    def close(self) -> None:
        """End every stream and refuse new ones (the server is stopping)."""
        self._closed = True
        self._wake()
        self._stop()

    def _wake(self) -> None:
        # Every waiting stream holds the current event; a fresh one is left for the next change.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _start(self) -> None:
        if self._poller is None:
            # Nobody waits on the old event now; a new one belongs to the loop serving us now.
            self._changed = asyncio.Event()
            self._poller = asyncio.create_task(self._poll())
            self._poller.add_done_callback(self._stopped)

    def _stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        self._figures = None  # stale once nobody watches; the next stream waits for fresh ones

    def _stopped(self, _task: asyncio.Task[None]) -> None:
        if self._streams == 0 and self._poller is None:
            self.idle.set()

    def _mark(self) -> tuple[Any, ...]:
        with db.read(self.platform.read_engine) as conn:
            return service.dashboard_marks(conn, self.platform.settings.zone, clock.now())

    def _compute(self) -> str:
        zone = self.platform.settings.zone
        with db.read(self.platform.read_engine) as conn:
            figures = service.dashboard(conn, zone, service.today_in(zone, clock.now()))
        self.computations += 1
        return json.dumps(figures, ensure_ascii=False, separators=(",", ":"))

    async def _poll(self) -> None:
        mark: tuple[Any, ...] | None = None
        computed_at = float("-inf")
        while True:
            try:
                # The mark is read before the figures, so a change landing in between moves the
                # next mark and is picked up one round later.
                latest = await run_in_threadpool(self._mark)
                if latest != mark or time.monotonic() - computed_at >= self.refresh_seconds:
                    figures = await run_in_threadpool(self._compute)
                    mark, computed_at = latest, time.monotonic()
                    if figures != self._figures:
                        self._figures = figures
                        self._version += 1
                        self._wake()
            except Exception:
                # The database restarting must not end the screens' streams; try next round.
                log.exception("the dashboard figures could not be read; retrying")
            await asyncio.sleep(self.poll_seconds)


def _on_exit_signals(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` first when the process gets SIGINT or SIGTERM, then the handler that was
    there (the server's own); return a function that puts the server's handlers back. Signal
    handlers belong to the main thread: elsewhere (a server run in a thread) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {int(sig): signal.getsignal(sig) for sig in _EXIT_SIGNALS}

    def handler(sig: int, frame: FrameType | None) -> None:
        callback()
        chained = previous[sig]
        if callable(chained):
            chained(sig, frame)

    for sig, chained in previous.items():
        if callable(chained):
            signal.signal(sig, handler)

    def restore() -> None:
        for sig, chained in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, chained)

    return restore


@asynccontextmanager
async def serving(feed: DashboardFeed) -> AsyncIterator[None]:
    """For the app's lifetime: end the feed's streams as soon as the server is asked to stop."""
    loop = asyncio.get_running_loop()

    def close_soon() -> None:
        # A signal handler runs between two bytecodes of the loop's thread: close from the loop.
        loop.call_soon_threadsafe(feed.close)

    restore = _on_exit_signals(close_soon)
    try:
        yield
    finally:
        restore()
        feed.close()
