"""`ledger.post` on both databases: all or nothing, idempotent by key, never below zero."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from carbonledger import clock, db
from carbonledger.errors import Conflict, InsufficientPoints
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points.postings import ISSUANCE, Transfer
from carbonledger.points.tables import transfers
from tests.integration.helpers import points_balance

ALICE, BOB, SHOP = "citizen:alice", "citizen:bob", "merchant:shop"


@pytest.fixture
def opened(platform: Platform) -> Platform:
    with db.write(platform.engine) as conn:
        ledger.open_accounts(
            conn, [(ALICE, "citizen"), (BOB, "citizen"), (SHOP, "merchant")], clock.now()
        )
    return platform


def give(key: str, account: str, amount: int) -> Transfer:
    return Transfer(key, "award", ISSUANCE, account, amount)


def post(platform: Platform, batch: list[Transfer]) -> bool:
    with db.write(platform.engine) as conn:
        return ledger.post(conn, batch, clock.now())


def transfer_count(platform: Platform) -> int:
    with db.read(platform.engine) as conn:
        count: int = conn.execute(select(func.count()).select_from(transfers)).scalar_one()
        return count


def test_a_retry_returns_false_and_writes_nothing(opened: Platform) -> None:
    batch = [give("a-1", ALICE, 100), give("b-1", BOB, 50)]
    assert post(opened, batch) is True
    assert post(opened, batch) is False
    assert transfer_count(opened) == 2
    assert points_balance(opened) == {ISSUANCE: -150, ALICE: 100, BOB: 50, SHOP: 0, "expired": 0}


def test_a_reused_key_with_other_content_is_refused(opened: Platform) -> None:
    post(opened, [give("a-1", ALICE, 100)])
    with pytest.raises(Conflict) as refused:
        post(opened, [give("a-1", ALICE, 101)])
    assert refused.value.code == "idempotency_key_reused"
    assert "a-1" in refused.value.message
    with pytest.raises(Conflict):  # a retry repeating only part of a request is refused too
        post(opened, [give("a-1", ALICE, 100), give("a-2", ALICE, 5)])
    assert transfer_count(opened) == 1
    assert points_balance(opened)[ALICE] == 100


def test_a_multi_leg_transfer_with_one_failing_leg_moves_nothing(opened: Platform) -> None:
    post(opened, [give("a-1", ALICE, 100), give("b-1", BOB, 10)])
    spend = [
        Transfer("spend-a", "redeem", ALICE, SHOP, 80),
        Transfer("spend-b", "redeem", BOB, SHOP, 20),  # Bob holds only 10
    ]
    with db.write(opened.engine) as conn:
        with pytest.raises(InsufficientPoints) as refused:
            ledger.post(conn, spend, clock.now())
        # The entry point rolls its transaction back on any error, as this block does.
        conn.rollback()
    assert refused.value.code == "insufficient_points"
    assert BOB in refused.value.message
    assert transfer_count(opened) == 2
    assert points_balance(opened) == {ISSUANCE: -110, ALICE: 100, BOB: 10, SHOP: 0, "expired": 0}


def test_insufficient_points_leave_the_balance_untouched(opened: Platform) -> None:
    post(opened, [give("a-1", ALICE, 30)])
    with pytest.raises(InsufficientPoints, match="holds 30 points, 31 are needed"):
        post(opened, [Transfer("spend", "redeem", ALICE, SHOP, 31)])
    assert post(opened, [Transfer("spend", "redeem", ALICE, SHOP, 30)]) is True
    assert points_balance(opened)[ALICE] == 0


def test_posting_to_an_account_never_opened_is_an_error(opened: Platform) -> None:
    with pytest.raises(LookupError, match="citizen:nobody"):
        post(opened, [give("x", "citizen:nobody", 1)])
    assert transfer_count(opened) == 0
