"""The server ticker's lottery duty: close every lottery whose entry window has passed, then
draw every closed one. Each step is its own transaction; when several workers tick at once, the
one that finds the step already done (a Conflict) leaves it."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from carbonledger import db
from carbonledger.errors import Conflict
from carbonledger.lotteries import repository as repo
from carbonledger.lotteries import service
from carbonledger.platform import Platform

log = logging.getLogger(__name__)


def run_due(platform: Platform, now: datetime) -> list[str]:
    """Close and draw what is due; return the ids of the lotteries drawn."""
    with db.read(platform.engine) as conn:
        to_close, to_draw = repo.due(conn, now)
    for lottery_id in to_close:
        try:
            db.retrying(platform.engine, partial(service.close, lottery_id=lottery_id, now=now))
        except Conflict as error:
            log.info("lottery %s not closed: %s", lottery_id, error.message)
            continue
        to_draw.append(lottery_id)
    drawn = []
    for lottery_id in to_draw:
        try:
            db.retrying(
                platform.engine,
                partial(service.draw, platform=platform, lottery_id=lottery_id, now=now),
            )
        except Conflict as error:
            log.info("lottery %s not drawn: %s", lottery_id, error.message)
            continue
        drawn.append(lottery_id)
    return drawn
