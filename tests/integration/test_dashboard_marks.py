"""The dashboard's change mark on SQLite and PostgreSQL: it moves with every new record (even one
that is only pending), every credit released by a link and every point moved, and stays put
while nothing happens, so the live dashboard recomputes its figures only when they may differ."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from carbonledger import clock, db
from carbonledger.ledgers import service
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points.postings import Transfer, citizen_account
from tests import factories
from tests.factories import record
from tests.integration.helpers import submit


def _mark(platform: Platform) -> tuple[Any, ...]:
    with db.read(platform.engine) as conn:
        return service.dashboard_marks(conn, platform.settings.zone, clock.now())


def test_the_mark_moves_with_records_credits_and_points(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    empty = _mark(platform)
    assert _mark(platform) == empty

    submit(platform, partner.id, [record("cycling", user="later")])
    pending = _mark(platform)
    assert pending != empty

    factories.link(platform, partner.id, "later", citizen)  # the pending trip is credited now
    credited = _mark(platform)
    assert credited != pending

    with db.write(platform.engine) as conn:
        ledger.open_accounts(conn, [("expired", "expired")], clock.now())
        ledger.post(
            conn,
            [
                Transfer(
                    idempotency_key=f"test-expiry-{citizen}",
                    kind="expiry",
                    debit=citizen_account(citizen),
                    credit="expired",
                    amount=1,
                )
            ],
            clock.now(),
        )
    assert _mark(platform) != credited


def test_the_mark_turns_with_the_local_day(platform: Platform) -> None:
    zone = platform.settings.zone
    with db.read(platform.engine) as conn:
        today = service.dashboard_marks(conn, zone, clock.now())
        tomorrow = service.dashboard_marks(conn, zone, clock.now() + timedelta(days=1))
    assert today[:-1] == tomorrow[:-1]
    assert today[-1] != tomorrow[-1]
