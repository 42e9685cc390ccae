"""What the reward routes share: running their database work off the event loop, a write in a
transaction retried on a serialization failure or deadlock, a read in one snapshot."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from carbonledger import db
from carbonledger.accounts.dependencies import platform_of

T = TypeVar("T")


async def written(request: Request, work: Callable[[Connection], T]) -> T:
    return await run_in_threadpool(db.retrying, platform_of(request).engine, work)


async def read(request: Request, work: Callable[[Connection], T]) -> T:
    engine = platform_of(request).engine

    def run() -> T:
        with db.read(engine) as conn:
            return work(conn)

    return await run_in_threadpool(run)
