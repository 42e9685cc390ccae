"""Every request body is read whole, with a size limit and a deadline, before the app sees the
request: a client that stalls half-way through its upload is answered 408 and let go, one that
sends more than the limit 413, and one that disconnects is logged as one line, never a
traceback. An ASGI middleware; the app then reads the body from memory."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class _TooLarge(Exception):
    pass


class _Gone(Exception):
    pass


async def _read(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Gone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimits:
    """Read each HTTP request's body (at most `limit` bytes, within `seconds`) before `app`."""

    def __init__(self, app: App, *, limit: int, seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        what = f"{scope.get('method')} {scope.get('path')} from {_client(scope)}"
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        too_large = f"the body is over the limit of {self.limit} bytes; send smaller batches"
        if declared.isdigit() and int(declared) > self.limit:
            await _refuse(send, 413, "batch_too_large", too_large)
            return
        try:
            body = await asyncio.wait_for(_read(receive, self.limit), self.seconds)
        except _TooLarge:
            await _refuse(send, 413, "batch_too_large", too_large)
            return
        except _Gone:
            log.info("client disconnected before sending its whole body: %s", what)
            return
        except TimeoutError:
            log.info("request body not received within %s s: %s", self.seconds, what)
            message = f"the request body did not arrive within {self.seconds:g} s; send it again"
            await _refuse(send, 408, "body_timeout", message)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
