"""The rewards catalogue and settlement statements on SQLite and PostgreSQL: merchants list,
change and withdraw; the operator suspends and restores; citizens see only what they can redeem
now; a merchant's statement counts its own confirmed vouchers per local day and reward."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from carbonledger import clock, db
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points.tables import point_accounts
from carbonledger.rewards import catalogue, service
from carbonledger.rewards.rules import RewardStatus, Terms
from tests import factories
from tests.integration.rewards.test_redemptions import cancel, confirm, redeem

NOW = clock.now()
TERMS = Terms(
    kind="bike_pass",
    name_zh="骑行月卡",
    name_en="Monthly bike pass",
    price=800,
    stock=3,
    per_citizen_limit=1,
    valid_from=NOW - timedelta(days=1),
    valid_until=NOW + timedelta(days=60),
)


def create(platform: Platform, merchant: str, terms: Terms = TERMS) -> str:
    with db.write(platform.engine) as conn:
        reward_id: str = catalogue.create(conn, merchant, terms, clock.now()).id
        return reward_id


def available(platform: Platform, at: datetime | None = None) -> list[str]:
    with db.read(platform.engine) as conn:
        return [row.id for row in catalogue.available(conn, at or clock.now())]


def test_a_new_reward_is_listed_at_once_and_opens_the_accounts(platform: Platform) -> None:
    merchant = factories.add_partner(platform, role="merchant").id
    reward = create(platform, merchant)
    assert available(platform) == [reward]
    with db.read(platform.engine) as conn:
        [(row, counts)] = catalogue.overview(conn, merchant_id=merchant)
        assert ledger.balance(conn, f"merchant:{merchant}") == 0
        assert conn.execute(
            point_accounts.select().where(point_accounts.c.id == "reserved")
        ).first()
    assert (row.id, row.status, row.stock, row.price, sum(counts.values())) == (
        reward,
        "active",
        3,
        800,
        0,
    )


def test_bad_terms_are_refused_with_every_problem(platform: Platform) -> None:
    merchant = factories.add_partner(platform, role="merchant").id
    with pytest.raises(CarbonLedgerError) as caught:
        create(platform, merchant, replace(TERMS, price=-1, name_zh=""))
    assert caught.value.code == "invalid_reward"
    assert "price" in caught.value.message and "name_zh" in caught.value.message
    assert available(platform) == []


def test_a_merchant_changes_its_own_rewards_terms(platform: Platform) -> None:
    merchant = factories.add_partner(platform, role="merchant").id
    reward = create(platform, merchant)
    with db.write(platform.engine) as conn:
        row = catalogue.change(conn, merchant, reward, {"price": 900, "stock": 0}, clock.now())
    assert (row.price, row.stock) == (900, 0)
    assert available(platform) == []
    other = factories.add_partner(platform, role="merchant").id
    with pytest.raises(CarbonLedgerError) as caught, db.write(platform.engine) as conn:
        catalogue.change(conn, other, reward, {"stock": 50}, clock.now())
    assert caught.value.code == "unknown_reward"
    with pytest.raises(CarbonLedgerError) as caught, db.write(platform.engine) as conn:
        catalogue.change(conn, merchant, reward, {"valid_until": NOW - timedelta(days=2)}, NOW)
    assert caught.value.code == "invalid_reward"


def test_a_price_change_leaves_held_vouchers_alone(platform: Platform) -> None:
    merchant = factories.add_partner(platform, role="merchant").id
    reward = create(platform, merchant)
    citizen = factories.add_citizen(platform)
    factories.grant_points(platform, citizen, 800)
    held = redeem(platform, citizen, reward).redemption
    with db.write(platform.engine) as conn:
        catalogue.change(conn, merchant, reward, {"price": 2000}, clock.now())
    cancel(platform, citizen, held.id)
    with db.read(platform.engine) as conn:
        assert ledger.balance(conn, f"citizen:{citizen}") == 800


def test_a_withdrawn_reward_is_final(platform: Platform) -> None:
    merchant = factories.add_partner(platform, role="merchant").id
    reward = create(platform, merchant)
    now = clock.now()
    with db.write(platform.engine) as conn:
        catalogue.set_status(conn, reward, RewardStatus.WITHDRAWN, now, merchant_id=merchant)
        again = catalogue.set_status(
            conn, reward, RewardStatus.WITHDRAWN, now, merchant_id=merchant
        )
    assert again.status == "withdrawn"
    assert available(platform) == []
    for attempt in (
        lambda conn: catalogue.set_status(conn, reward, RewardStatus.ACTIVE, now),
        lambda conn: catalogue.change(conn, merchant, reward, {"stock": 9}, now),
    ):
        with pytest.raises(CarbonLedgerError) as caught, db.write(platform.engine) as conn:
            attempt(conn)
        assert caught.value.code == "reward_withdrawn"


def test_the_operator_suspends_and_restores(platform: Platform) -> None:
    merchant = factories.add_partner(platform, role="merchant").id
    reward = create(platform, merchant)
    now = clock.now()
    with db.write(platform.engine) as conn:
        catalogue.set_status(conn, reward, RewardStatus.SUSPENDED, now)
    assert available(platform) == []
    with db.read(platform.engine) as conn:
        assert [r.id for r, _ in catalogue.overview(conn, status="suspended")] == [reward]
        assert catalogue.overview(conn, status="active") == []
    with db.write(platform.engine) as conn:
        catalogue.set_status(conn, reward, RewardStatus.ACTIVE, now)
    assert available(platform) == [reward]


def test_the_catalogue_shows_only_what_can_be_redeemed_now(platform: Platform) -> None:
    merchant = factories.add_partner(platform, role="both").id
    now = clock.now()
    metro = create(platform, merchant, replace(TERMS, kind="metro_topup", price=500))
    create(platform, merchant, replace(TERMS, stock=0))
    create(platform, merchant, replace(TERMS, valid_from=now + timedelta(hours=1)))
    create(platform, merchant, replace(TERMS, valid_until=now - timedelta(seconds=1)))
    bike = create(platform, merchant)
    assert available(platform, now) == [bike, metro]  # by kind, then price
    with db.read(platform.engine) as conn:
        assert [r.id for r in catalogue.available(conn, now, "metro_topup")] == [metro]
        assert len(catalogue.overview(conn, merchant_id=merchant)) == 5
        assert len(catalogue.overview(conn)) == 5


def local(platform: Platform, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), platform.settings.zone)


def test_a_statement_counts_a_merchants_confirmed_vouchers_per_local_day(
    platform: Platform,
) -> None:
    mall, metro = (factories.add_partner(platform, role="merchant").id for _ in range(2))
    since = {"valid_from": clock.now() - timedelta(days=3)}
    coupon = factories.add_reward(platform, mall, price=100, **since)
    parking = factories.add_reward(platform, mall, kind="parking_voucher", price=250, **since)
    ride = factories.add_reward(platform, metro, kind="metro_topup", price=300, **since)
    citizen = factories.add_citizen(platform)
    factories.grant_points(platform, citizen, 10_000)
    today = clock.now().astimezone(platform.settings.zone).date()
    day_one, day_two = today - timedelta(days=1), today
    plan = [
        (coupon, mall, local(platform, day_one, 0)),  # just after local midnight: day one
        (coupon, mall, local(platform, day_one, 23)),
        (parking, mall, local(platform, day_two, 8)),
        (ride, metro, local(platform, day_two, 9)),
    ]
    for number, (reward, merchant, at) in enumerate(plan):
        held = redeem(platform, citizen, reward, f"k-{number}", at - timedelta(minutes=5))
        confirm(platform, merchant, held.code, at)
    cancel(platform, citizen, redeem(platform, citizen, coupon, "k-void").redemption.id)
    redeem(platform, citizen, coupon, "k-held")
    with db.read(platform.engine) as conn:
        statement = service.statement(conn, mall, day_one, day_two)
        only_day_two = service.statement(conn, mall, day_two, day_two)
    lines = [(ln.day, ln.reward_id, ln.confirmed, ln.points) for ln in statement.lines]
    assert lines == [(day_one, coupon, 2, 200), (day_two, parking, 1, 250)]
    assert (statement.confirmed, statement.points) == (3, 450)
    assert (only_day_two.confirmed, only_day_two.points) == (1, 250)
    with db.read(platform.engine) as conn:
        assert ledger.balance(conn, f"merchant:{mall}") == 450
        assert ledger.balance(conn, f"merchant:{metro}") == 300
