"""The ASGI entry point for `uvicorn --factory carbonledger.server:app` (one per worker), and
serving an app in a thread of a process that does something else (the demo's witness)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI

from carbonledger import heap
from carbonledger.app import create_app
from carbonledger.observability import logs
from carbonledger.platform import Platform

_START_SECONDS = 20


def app() -> FastAPI:
    logs.configure()
    built = create_app(Platform.open(upgrade=False))
    heap.freeze_startup()
    return built


@contextmanager
def in_thread(app: Any, *, lifespan: Literal["on", "off"] = "on") -> Iterator[str]:
    """Serve an ASGI app on a free loopback port from a thread of this process; yield its base
    URL. Leaving stops the server and waits for its thread: an event loop still running while
    the interpreter shuts down can crash the process on its way out."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listening]}, name=f"serve-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + _START_SECONDS
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"the server on port {port} did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=_START_SECONDS)
        listening.close()
