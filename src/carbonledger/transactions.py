"""What API routes share: running a unit of work in its own transaction, off the event loop, on
the request's platform. A write is run again when the database asks for a retry (db.retrying)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from carbonledger import db
from carbonledger.accounts.dependencies import platform_of

T = TypeVar("T")


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
