"""`registry verify` on a real registry: clean after a sale, a retirement and a reversal, and
naming the problem when a row is changed behind its back."""

from __future__ import annotations

from sqlalchemy import delete, update

from carbonledger import clock, db
from carbonledger.ingest.crediting import reverse
from carbonledger.market import registry
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market import repository as repo
from carbonledger.market.audit import Audit, audit
from carbonledger.market.sources import LocalRegistry
from carbonledger.market.tables import (
    market_cover,
    market_holdings,
    market_lot_credits,
    market_retirements,
    market_signatures,
)
from carbonledger.platform import Platform
from carbonledger.translog.sources import LocalSource
from tests.integration.market.market_helpers import buyer, checkpoint, issued_lot


def _audit(platform: Platform) -> Audit:
    source = LocalSource(platform.engine, platform.log_signer.verifier_key())
    return audit(source, LocalRegistry(platform.engine))


def _market(platform: Platform) -> int:
    number = issued_lot(platform, trips=6)
    organiser = buyer(platform, "marathon", "organiser")
    with db.write(platform.engine) as conn:
        registry.transfer(
            conn,
            number,
            5,
            seller=registry_repo.POOL,
            buyer=organiser,
            price_fen=300,
            funds=None,
            now=clock.now(),
        )
    with db.write(platform.engine) as conn:
        registry.retire(
            conn,
            number,
            3,
            holder=organiser,
            purpose="marathon",
            beneficiary="City Marathon",
            now=clock.now(),
        )
    with db.read(platform.engine) as conn:
        record_id = repo.lot_leaves(conn, number).__next__()
        row = repo.lot_credit(conn, record_id[0])
    assert row is not None
    with db.write(platform.engine) as conn:
        reverse(conn, platform, row.record_id, "withdrawn", clock.now())
    checkpoint(platform)
    return number


def test_a_clean_registry_verifies(sqlite_platform: Platform) -> None:
    _market(sqlite_platform)
    result = _audit(sqlite_platform)
    assert result.problems == []
    assert result.lots == 1 and result.credits == 6 and result.retirements == 1


def test_a_serial_held_twice_is_named(sqlite_platform: Platform) -> None:
    number = _market(sqlite_platform)
    with db.write(sqlite_platform.engine) as conn:
        conn.execute(
            update(market_holdings)
            .where(market_holdings.c.lot == number, market_holdings.c.first == 1)
            .values(last=market_holdings.c.last + 1)
        )
    assert "held twice" in _audit(sqlite_platform).problems[0]


def test_a_changed_credit_amount_is_named(sqlite_platform: Platform) -> None:
    number = _market(sqlite_platform)
    with db.write(sqlite_platform.engine) as conn:
        conn.execute(
            update(market_lot_credits)
            .where(market_lot_credits.c.lot == number)
            .values(reduction_mg=market_lot_credits.c.reduction_mg + 1)
        )
    assert "the lot lists" in _audit(sqlite_platform).problems[0]


def test_an_issued_lot_without_a_signature_is_named(sqlite_platform: Platform) -> None:
    _market(sqlite_platform)
    with db.write(sqlite_platform.engine) as conn:
        conn.execute(delete(market_signatures))
    assert "without a verifier's signature" in _audit(sqlite_platform).problems[0]


def test_a_retirement_changed_after_its_leaf_is_named(sqlite_platform: Platform) -> None:
    _market(sqlite_platform)
    with db.write(sqlite_platform.engine) as conn:
        conn.execute(update(market_retirements).values(purpose="something else"))
    assert "does not match its leaf" in _audit(sqlite_platform).problems[0]


def test_a_reversal_left_uncovered_is_named(sqlite_platform: Platform) -> None:
    _market(sqlite_platform)
    with db.write(sqlite_platform.engine) as conn:
        conn.execute(delete(market_cover))
    problems = _audit(sqlite_platform).problems
    assert any("was reversed and is not covered" in p for p in problems), problems
