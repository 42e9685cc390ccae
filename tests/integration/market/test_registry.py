"""Transfers, sales funding a campaign, retirements as log leaves, reversals after issue covered
by the buffer, and the units reconciled, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from carbonledger import clock, db
from carbonledger.donations.rules import ProjectTerms, project_account
from carbonledger.donations.service import create_project
from carbonledger.errors import CarbonLedgerError
from carbonledger.ingest.crediting import reverse
from carbonledger.market import lots, registry
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market import repository as repo
from carbonledger.market.leaf import RetirementLeaf
from carbonledger.market.reconcile import unit_problems
from carbonledger.market.tables import market_lot_credits, market_moves, market_retirements
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points.campaigns import campaign_account
from carbonledger.translog import repository as log_repo
from carbonledger.translog import sequencer
from carbonledger.translog.leaves import decode_leaf
from tests import factories
from tests.integration.market.market_helpers import (
    LATER,
    buyer,
    credit,
    form,
    issued_lot,
    new_verifier,
    sign,
)


def _held(platform: Platform, number: int, account: str) -> int:
    with db.read(platform.engine) as conn:
        return sum(s.units for s in registry_repo.holdings(conn, number, account))


def _clean(platform: Platform) -> None:
    with db.read(platform.engine) as conn:
        assert unit_problems(conn) == []


def test_a_sale_moves_serials_and_funds_a_campaign(platform: Platform) -> None:
    number = issued_lot(platform)
    campaign = factories.add_campaign(platform)
    company = buyer(platform, "acme")
    pool = _held(platform, number, registry_repo.POOL)
    with db.read(platform.engine) as conn:
        before = ledger.balance(conn, campaign_account(campaign.id))
    with db.write(platform.engine) as conn:
        moved = registry.transfer(
            conn,
            number,
            3,
            seller=registry_repo.POOL,
            buyer=company,
            price_fen=12_900,
            funds=f"campaign:{campaign.id}",
            now=clock.now(),
        )
    assert moved.serials == (f"110000-{clock.now().year}-{number}-1-3",)
    assert _held(platform, number, company) == 3
    assert _held(platform, number, registry_repo.POOL) == pool - 3
    with db.read(platform.engine) as conn:
        assert ledger.balance(conn, campaign_account(campaign.id)) == before + 12_900
    _clean(platform)


def test_retirement_is_a_leaf_and_retired_units_never_move(platform: Platform) -> None:
    number = issued_lot(platform)
    organiser = buyer(platform, "marathon", "organiser")
    with db.write(platform.engine) as conn:
        registry.transfer(
            conn,
            number,
            4,
            seller=registry_repo.POOL,
            buyer=organiser,
            price_fen=100,
            funds=None,
            now=clock.now(),
        )
    with db.write(platform.engine) as conn:
        retired = registry.retire(
            conn,
            number,
            4,
            holder=organiser,
            purpose="2026 city marathon, carbon neutral",
            beneficiary="City Marathon",
            now=clock.now(),
        )
    assert retired.leaf_index is not None
    with db.read(platform.engine) as conn:
        leaf = decode_leaf(log_repo.entry(conn, retired.leaf_index))
        assert sequencer.head(conn).size == retired.leaf_index + 1
    assert isinstance(leaf, RetirementLeaf)
    assert leaf.serials == retired.serials and leaf.purpose.startswith("2026 city marathon")
    with pytest.raises(CarbonLedgerError, match="holds 0 unit"), db.write(platform.engine) as conn:
        registry.retire(
            conn, number, 1, holder=organiser, purpose="again", beneficiary="x", now=clock.now()
        )
    with (
        pytest.raises(CarbonLedgerError, match="registry's own retired"),
        db.write(platform.engine) as conn,
    ):
        registry.transfer(
            conn,
            number,
            1,
            seller=registry_repo.RETIRED,
            buyer=organiser,
            price_fen=0,
            funds=None,
            now=clock.now(),
        )
    _clean(platform)


@pytest.mark.parametrize(
    ("units", "price", "message"),
    [(0, 1, "at least one unit"), (10_000, 1, "not 10000"), (1, -5, "at least 0")],
)
def test_bad_transfers_write_nothing(
    platform: Platform, units: int, price: int, message: str
) -> None:
    number = issued_lot(platform)
    company = buyer(platform, "acme")
    with db.read(platform.engine) as conn:
        moves = conn.execute(select(func.count()).select_from(market_moves)).scalar_one()
    with pytest.raises(CarbonLedgerError, match=message), db.write(platform.engine) as conn:
        registry.transfer(
            conn,
            number,
            units,
            seller=registry_repo.POOL,
            buyer=company,
            price_fen=price,
            funds=None,
            now=clock.now(),
        )
    with db.read(platform.engine) as conn:
        assert conn.execute(select(func.count()).select_from(market_moves)).scalar_one() == moves
        assert conn.execute(select(func.count()).select_from(market_retirements)).scalar_one() == 0


def test_a_reversal_after_issue_cancels_buffer_units(platform: Platform) -> None:
    number = issued_lot(platform)
    buffer = _held(platform, number, registry_repo.BUFFER)
    with db.read(platform.engine) as conn:
        row = conn.execute(
            select(market_lot_credits).where(market_lot_credits.c.lot == number).limit(1)
        ).one()
    with db.write(platform.engine) as conn:
        reverse(conn, platform, row.record_id, "partner withdrew the trip", clock.now())
    with db.read(platform.engine) as conn:
        cover = registry_repo.cover_of(conn, row.leaf_index)
        lot = repo.lot(conn, number)
    assert cover is not None and lot is not None
    assert cover.units * lot.unit_mg >= row.reduction_mg
    assert _held(platform, number, registry_repo.CANCELLED) == cover.units
    assert _held(platform, number, registry_repo.BUFFER) == max(buffer - cover.units, 0)
    _clean(platform)


def test_a_sale_funds_a_donation_project_and_an_unknown_one_is_refused(
    platform: Platform,
) -> None:
    number = issued_lot(platform)
    company = buyer(platform, "acme")
    terms = ProjectTerms("tree_planting", "植树", "Trees", "棵", "tree", 500, 100_000)
    with db.write(platform.engine) as conn:
        project_id = create_project(conn, terms, "op", clock.now())
    with pytest.raises(CarbonLedgerError, match="no project"), db.write(platform.engine) as conn:
        registry.transfer(
            conn,
            number,
            1,
            seller=registry_repo.POOL,
            buyer=company,
            price_fen=100,
            funds="project:nope",
            now=clock.now(),
        )
    with db.write(platform.engine) as conn:
        registry.transfer(
            conn,
            number,
            2,
            seller=registry_repo.POOL,
            buyer=company,
            price_fen=870,
            funds=f"project:{project_id}",
            now=clock.now(),
        )
    with db.read(platform.engine) as conn:
        assert ledger.balance(conn, project_account(project_id)) == 870
    assert _held(platform, number, company) == 2
    _clean(platform)


def test_a_credit_reversed_under_notice_is_covered_when_the_lot_is_issued(
    platform: Platform,
) -> None:
    credit(platform, 4)
    number = form(platform)
    sign(platform, number, new_verifier(platform))
    with db.read(platform.engine) as conn:
        row = conn.execute(
            select(market_lot_credits).where(market_lot_credits.c.lot == number).limit(1)
        ).one()
    with db.write(platform.engine) as conn:
        reverse(conn, platform, row.record_id, "withdrawn during the notice", clock.now())
        assert registry_repo.cover_of(conn, row.leaf_index) is None  # nothing issued to cancel
    with db.write(platform.engine) as conn:
        lots.issue(conn, number, "op", clock.now() + LATER)
    with db.read(platform.engine) as conn:
        cover = registry_repo.cover_of(conn, row.leaf_index)
    assert cover is not None and cover.units >= 1 and cover.short == 0
    assert _held(platform, number, registry_repo.CANCELLED) == cover.units
    _clean(platform)
