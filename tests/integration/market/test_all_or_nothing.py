"""A failure at the last write of an issue or a retirement (the database refusing it, as a
crash would cut it off) leaves nothing of it: no units, no moves, no log leaf."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from carbonledger import clock, db
from carbonledger.market import lots, registry
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market.reconcile import unit_problems
from carbonledger.market.tables import market_holdings, market_moves
from carbonledger.platform import Platform
from carbonledger.translog import sequencer
from tests.integration.market.market_helpers import (
    LATER,
    buyer,
    credit,
    form,
    issued_lot,
    new_verifier,
    sign,
)


def _refusing(platform: Platform, statement: str) -> Iterator[None]:
    with db.write(platform.engine) as conn:
        conn.execute(
            text(f"CREATE TRIGGER refuse {statement} BEGIN SELECT RAISE(ABORT, 'cut off'); END")
        )
    yield
    with db.write(platform.engine) as conn:
        conn.execute(text("DROP TRIGGER refuse"))


def _state(platform: Platform) -> tuple[int, int, int]:
    with db.read(platform.engine) as conn:
        return (
            int(conn.execute(select(func.count()).select_from(market_holdings)).scalar_one()),
            int(conn.execute(select(func.count()).select_from(market_moves)).scalar_one()),
            sequencer.head(conn).size,
        )


def test_an_issue_cut_off_at_its_end_issues_nothing(sqlite_platform: Platform) -> None:
    credit(sqlite_platform, 3)
    number = form(sqlite_platform)
    sign(sqlite_platform, number, new_verifier(sqlite_platform))
    before = _state(sqlite_platform)
    for _ in _refusing(sqlite_platform, "BEFORE UPDATE ON market_lots"):
        with pytest.raises(DBAPIError, match="cut off"), db.write(sqlite_platform.engine) as conn:
            lots.issue(conn, number, "op", clock.now() + LATER)
    assert _state(sqlite_platform) == before
    with db.read(sqlite_platform.engine) as conn:
        assert lots.get_lot(conn, number).status == "notice"
    with db.write(sqlite_platform.engine) as conn:
        assert lots.issue(conn, number, "op", clock.now() + LATER)[0] > 0


def test_a_retirement_cut_off_at_its_end_retires_nothing(sqlite_platform: Platform) -> None:
    number = issued_lot(sqlite_platform)
    holder = buyer(sqlite_platform, "event", "organiser")
    with db.write(sqlite_platform.engine) as conn:
        registry.transfer(
            conn,
            number,
            2,
            seller=registry_repo.POOL,
            buyer=holder,
            price_fen=0,
            funds=None,
            now=clock.now(),
        )
    before = _state(sqlite_platform)
    for _ in _refusing(sqlite_platform, "BEFORE INSERT ON market_retirements"):
        with pytest.raises(DBAPIError, match="cut off"), db.write(sqlite_platform.engine) as conn:
            registry.retire(
                conn, number, 2, holder=holder, purpose="p", beneficiary="b", now=clock.now()
            )
    assert _state(sqlite_platform) == before
    with db.read(sqlite_platform.engine) as conn:
        assert sum(s.units for s in registry_repo.holdings(conn, number, holder)) == 2
        assert unit_problems(conn) == []
