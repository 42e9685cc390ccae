"""Forming, noticing, verifying and issuing lots on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from carbonledger import clock, db
from carbonledger.errors import CarbonLedgerError
from carbonledger.market import lots
from carbonledger.market.tables import market_holdings, market_lots, market_moves
from carbonledger.platform import Platform
from tests.integration.market.market_helpers import LATER, credit, form, new_verifier, sign


def _issue(platform: Platform, number: int, after: timedelta = LATER) -> tuple[int, int]:
    with db.write(platform.engine) as conn:
        return lots.issue(conn, number, "op", clock.now() + after)


def _count(platform: Platform, table: object) -> int:
    with db.read(platform.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_lot_is_formed_noticed_signed_and_issued(platform: Platform) -> None:
    credit(platform, 4)
    number = form(platform)
    with db.read(platform.engine) as conn:
        lot = lots.get_lot(conn, number)
    assert lot.credits == 4 and lot.status == "notice"
    assert lot.methodologies.startswith("cycling@")
    with pytest.raises(CarbonLedgerError, match="no verifier"):
        _issue(platform, number)
    seed = new_verifier(platform)
    sign(platform, number, seed)
    with pytest.raises(CarbonLedgerError, match="under public notice"):
        _issue(platform, number, timedelta(0))
    units, buffer = _issue(platform, number)
    assert units == lot.total_mg // lot.unit_mg
    assert buffer == -(-units * 500 // 10_000)
    assert _count(platform, market_holdings) == 2
    assert _count(platform, market_moves) == 2


def test_a_credit_enters_one_lot_only(platform: Platform) -> None:
    credit(platform, 3)
    form(platform)
    with pytest.raises(CarbonLedgerError, match="already in a lot"):
        form(platform)
    assert _count(platform, market_lots) == 1


def test_bad_terms_are_all_named_and_nothing_is_written(platform: Platform) -> None:
    credit(platform, 1)
    with pytest.raises(CarbonLedgerError) as caught:
        form(platform, scenarios=("flying",), regions=("12",), unit_mg=0)
    assert "flying" in caught.value.message and "6-digit" in caught.value.message
    assert "unit size" in caught.value.message
    assert _count(platform, market_lots) == 0


def test_objections_must_be_answered_before_issue(platform: Platform) -> None:
    credit(platform, 2)
    number = form(platform)
    sign(platform, number, new_verifier(platform))
    with db.write(platform.engine) as conn:
        objection = lots.object_to(conn, number, "credit 3 looks doubled", clock.now())
    with pytest.raises(CarbonLedgerError, match="answer the objection"):
        _issue(platform, number)
    with db.write(platform.engine) as conn:
        lots.answer(conn, objection, "checked: two partners, deduplicated", "op", clock.now())
    assert _issue(platform, number)[0] > 0
