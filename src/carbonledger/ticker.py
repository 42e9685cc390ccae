"""The server's background duties, once every `checkpoint_interval_seconds`: sign a checkpoint
when new leaves exist (and ask the witnesses to cosign it), expire pending records whose link
window has passed, forget nonces older than the replay window and sessions that have ended,
close campaigns that ended once no record of theirs can still arrive, and once a local day
expire the points that are due. Each duty is its own short transaction;
several worker processes may run it at once without harm."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from carbonledger import clock, db
from carbonledger.accounts.repository import delete_sessions_before, forget_nonces_before
from carbonledger.ingest import pending
from carbonledger.lotteries import duties as lottery_duties
from carbonledger.observability.logs import job_done
from carbonledger.platform import Platform
from carbonledger.points import expiry_job
from carbonledger.points import service as points_service
from carbonledger.rewards.service import void_expired as void_expired_redemptions
from carbonledger.translog import publisher

log = logging.getLogger(__name__)
_HOUSEKEEPING_EVERY = 60


def tick(platform: Platform, count: int) -> None:
    """One round of duties; housekeeping runs every minute, checkpoints every round."""
    publisher.publish_and_cosign(platform, clock.now())
    lottery_duties.run_due(platform, clock.now())
    if count % _HOUSEKEEPING_EVERY == 0:
        now = clock.now()
        db.retrying(platform.engine, partial(_housekeeping, platform, now))
        db.retrying(
            platform.engine, lambda conn: expiry_job.run_daily(conn, platform.settings.zone, now)
        )
        late = timedelta(days=platform.settings.retention_days)
        db.retrying(
            platform.engine, lambda conn: points_service.close_ended_campaigns(conn, now, late)
        )


def _housekeeping(platform: Platform, now: datetime, conn: Connection) -> None:
    pending.expire(conn, platform, now)
    forget_nonces_before(conn, now - timedelta(seconds=platform.settings.nonce_ttl_seconds))
    delete_sessions_before(conn, now)
    void_expired_redemptions(conn, now)


@asynccontextmanager
async def run_ticker(platform: Platform, *, enabled: bool = True) -> AsyncIterator[None]:
    if not enabled:
        yield
        return

    async def loop() -> None:
        count = 0
        while True:
            started = time.perf_counter()
            ok = True
            try:
                await run_in_threadpool(tick, platform, count)
            except Exception:
                # A failed round (a witness down, the database restarting) is retried next round.
                ok = False
                log.exception("background duties failed; retrying next round")
            job_done("duties", ok, time.perf_counter() - started)
            count += 1
            await asyncio.sleep(platform.settings.checkpoint_interval_seconds)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
