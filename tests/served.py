"""A platform served by uvicorn on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from carbonledger import server
from carbonledger.app import create_app
from carbonledger.platform import Platform


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(platform: Platform, *, background: bool = True) -> Iterator[str]:
    """Serve `platform` over HTTP; yield the base URL."""
    with server.in_thread(create_app(platform, background=background)) as url:
        yield url
