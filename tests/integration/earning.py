"""Helpers for tests of what citizens earn and spend: running a service as an entry point does,
earning points through the real pipeline, balances, and a reconciliation that must stay clean."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from carbonledger import clock, db
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points.reconcile import reconcile
from carbonledger.translog import publisher
from tests import factories
from tests.factories import record
from tests.integration.helpers import points_balance, submit

T = TypeVar("T")
POINTS_PER_TRIP = 214  # the factory's cycling trip


def write(platform: Platform, work: Callable[..., T]) -> T:
    """Run `work(conn)` in a write transaction, as an entry point does."""
    return db.retrying(platform.engine, work)


def balance(platform: Platform, account: str) -> int:
    with db.read(platform.engine) as conn:
        return ledger.balance(conn, account)


def earn(platform: Platform, citizen_id: str, trips: int) -> int:
    """Give the citizen points the real way: cycling trips credited by a linked partner."""
    partner = factories.add_partner(platform)
    factories.link(platform, partner.id, "rider", citizen_id)
    results = submit(
        platform,
        partner.id,
        [
            record("cycling", user="rider", start=clock.now() - timedelta(hours=2 * n + 1))
            for n in range(trips)
        ],
    )
    assert all(r.points == POINTS_PER_TRIP for r in results)
    return trips * POINTS_PER_TRIP


def reconciled(platform: Platform) -> None:
    """The ledger balances, every balance equals its transfers, and the log's points still
    equal the issuance account's movements for them."""
    points_balance(platform)
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
    with db.read(platform.engine) as conn:
        result = reconcile(conn)
    assert result.ok, result.problems
