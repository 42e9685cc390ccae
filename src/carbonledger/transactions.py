"""How a route or page runs its database work: `work(conn)` in its own transaction, off the event
loop, on the request's platform. `write` runs the work again when the database asks for a retry
(a busy SQLite, a PostgreSQL serialization failure or deadlock: `db.retrying`), so the work
may run more than once and must have no effect outside its transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from carbonledger import db
from carbonledger.platform import Platform

T = TypeVar("T")


def platform_of(request: Request) -> Platform:
    """The platform the app serving `request` runs on."""
    platform: Platform = request.app.state.platform
    return platform


async def read(request: Request, work: Callable[[Connection], T], *, may_lag: bool = False) -> T:
    """`work` in a read-only transaction; on the read replica when one is set and the answer
    `may_lag` a moment behind the last write (ledgers, dashboard, reports)."""

    def run() -> T:
        platform = platform_of(request)
        with db.read(platform.read_engine if may_lag else platform.engine) as conn:
            return work(conn)

    return await run_in_threadpool(run)


async def write(request: Request, work: Callable[[Connection], T]) -> T:
    """`work` in a write transaction, again if the database asks for a retry."""
    return await run_in_threadpool(db.retrying, platform_of(request).engine, work)
