"""Transactions run from async routes and pages: the database work goes to a worker thread, so
the event loop keeps serving while it waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from carbonledger import db

T = TypeVar("T")


async def read(engine: Engine, work: Callable[[Connection], T]) -> T:
    """`work` in one read-only transaction."""

    def run() -> T:
        with db.read(engine) as conn:
            return work(conn)

    return await run_in_threadpool(run)


async def write(engine: Engine, work: Callable[[Connection], T]) -> T:
    """`work` in one write transaction, run again if the database asks for a retry."""
    return await run_in_threadpool(db.retrying, engine, work)
