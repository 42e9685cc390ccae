"""Redemptions on SQLite and PostgreSQL: redeem, confirm, cancel, the timeout job, the limit,
validity, stock and points refusals, idempotent retries, and the ledger balancing throughout."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.errors import CarbonLedgerError
from carbonledger.ledgers import service as ledgers
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.rewards import catalogue, service, vouchers
from carbonledger.rewards.rules import RewardStatus
from carbonledger.rewards.tables import redemptions, rewards
from carbonledger.ticker import tick
from tests import factories
from tests.integration.helpers import points_balance

Made = tuple[str, str, str]  # merchant, citizen, reward


@pytest.fixture
def made(platform: Platform) -> Made:
    """A merchant with a 100-point reward (10 in stock), and a citizen holding 500 points."""
    return factories.shop(platform)


def redeem(
    platform: Platform, citizen: str, reward: str, key: str = "k-1", now: datetime | None = None
) -> service.Redeemed:
    hold = platform.settings.redemption_hold_minutes
    when = now or clock.now()
    return db.retrying(
        platform.engine,
        lambda conn: service.redeem(conn, platform.keys, citizen, reward, key, when, hold),
    )


def confirm(platform: Platform, merchant: str, code: str, now: datetime | None = None) -> Any:
    when, zone = now or clock.now(), platform.settings.zone
    return db.retrying(
        platform.engine,
        lambda conn: service.confirm(conn, platform.keys, merchant, code, when, zone),
    )


def cancel(platform: Platform, citizen: str, redemption_id: str) -> Any:
    now = clock.now()
    return db.retrying(
        platform.engine, lambda conn: service.cancel(conn, citizen, redemption_id, now)
    )


def void_expired(platform: Platform, now: datetime) -> int:
    return db.retrying(platform.engine, lambda conn: service.void_expired(conn, now))


def balance(platform: Platform, account: str) -> int:
    with db.read(platform.engine) as conn:
        return ledger.balance(conn, account)


def stock(platform: Platform, reward: str) -> int:
    with db.read(platform.engine) as conn:
        left: int = conn.execute(select(rewards.c.stock).where(rewards.c.id == reward)).scalar_one()
        return left


def redemption_count(platform: Platform) -> int:
    with db.read(platform.engine) as conn:
        count: int = conn.execute(select(func.count()).select_from(redemptions)).scalar_one()
        return count


def refused(call: Any) -> str:
    with pytest.raises(CarbonLedgerError) as caught:
        call()
    return caught.value.code


def test_redeeming_reserves_points_and_an_item_and_issues_a_voucher(
    platform: Platform, made: Made
) -> None:
    merchant, citizen, reward = made
    redeemed = redeem(platform, citizen, reward)
    row = redeemed.redemption
    assert not redeemed.replayed
    assert (row.state, row.points, row.reward_id, row.partner_id) == (
        "reserved",
        100,
        reward,
        merchant,
    )
    assert len(redeemed.code) == 12
    assert vouchers.shown(platform.keys, row) == redeemed.code
    hold = timedelta(minutes=platform.settings.redemption_hold_minutes)
    assert row.expires_at - row.created_at == hold
    assert balance(platform, f"citizen:{citizen}") == 400
    assert balance(platform, "reserved") == 100
    assert stock(platform, reward) == 9
    points_balance(platform)


def test_confirming_a_voucher_pays_the_merchant_once(platform: Platform, made: Made) -> None:
    merchant, citizen, reward = made
    code = redeem(platform, citizen, reward).code
    confirmed = confirm(platform, merchant, code.lower())
    assert confirmed.state == "confirmed"
    assert confirmed.confirmed_day == clock.now().astimezone(platform.settings.zone).date()
    assert balance(platform, f"merchant:{merchant}") == 100
    assert balance(platform, "reserved") == 0
    assert refused(lambda: confirm(platform, merchant, code)) == "already_confirmed"
    assert refused(lambda: cancel(platform, citizen, confirmed.id)) == "already_confirmed"
    assert balance(platform, f"merchant:{merchant}") == 100
    assert balance(platform, f"citizen:{citizen}") == 400
    points_balance(platform)


def test_a_merchant_confirms_only_its_own_vouchers(platform: Platform, made: Made) -> None:
    _, citizen, reward = made
    code = redeem(platform, citizen, reward).code
    other = factories.add_partner(platform, role="both").id
    assert refused(lambda: confirm(platform, other, code)) == "unknown_voucher"
    assert refused(lambda: confirm(platform, other, "NOSUCHVOUCHER")) == "unknown_voucher"
    assert balance(platform, "reserved") == 100


def test_cancelling_returns_the_points_and_the_item(platform: Platform, made: Made) -> None:
    merchant, citizen, reward = made
    redeemed = redeem(platform, citizen, reward)
    first, code = redeemed.redemption, redeemed.code
    voided = cancel(platform, citizen, first.id)
    assert (voided.state, voided.void_reason) == ("voided", "cancelled")
    assert balance(platform, f"citizen:{citizen}") == 500
    assert balance(platform, "reserved") == 0
    assert stock(platform, reward) == 10
    assert refused(lambda: cancel(platform, citizen, first.id)) == "already_voided"
    assert refused(lambda: confirm(platform, merchant, code)) == "already_voided"
    assert balance(platform, f"citizen:{citizen}") == 500
    points_balance(platform)


def test_a_citizen_cannot_touch_another_citizens_redemption(platform: Platform, made: Made) -> None:
    _, citizen, reward = made
    first = redeem(platform, citizen, reward).redemption
    stranger = factories.add_citizen(platform)
    assert refused(lambda: cancel(platform, stranger, first.id)) == "unknown_redemption"
    with db.read(platform.engine) as conn:
        assert service.redemptions_of(conn, stranger) == []
        assert [r.id for r in service.redemptions_of(conn, citizen)] == [first.id]


def test_the_timeout_job_voids_expired_holds_once(platform: Platform, made: Made) -> None:
    merchant, citizen, reward = made
    now = clock.now()
    redeemed = redeem(platform, citizen, reward, "k-1", now)
    first, code = redeemed.redemption, redeemed.code
    later = redeem(platform, citizen, reward, "k-2", now + timedelta(minutes=5)).redemption
    assert void_expired(platform, first.expires_at - timedelta(seconds=1)) == 0
    assert refused(lambda: confirm(platform, merchant, code, first.expires_at)) == "voucher_expired"
    assert void_expired(platform, first.expires_at) == 1
    assert void_expired(platform, first.expires_at) == 0
    assert balance(platform, f"citizen:{citizen}") == 400
    assert balance(platform, "reserved") == 100
    assert stock(platform, reward) == 9
    with db.read(platform.engine) as conn:
        states = {r.id: (r.state, r.void_reason) for r in service.redemptions_of(conn, citizen)}
    assert states == {first.id: ("voided", "expired"), later.id: ("reserved", None)}
    assert void_expired(platform, later.expires_at + timedelta(days=1)) == 1
    assert balance(platform, f"citizen:{citizen}") == 500
    assert stock(platform, reward) == 10
    points_balance(platform)


def test_the_per_citizen_limit_counts_what_is_held_or_used(platform: Platform) -> None:
    merchant, citizen, reward = factories.shop(platform, 1000, per_citizen_limit=2)
    first = redeem(platform, citizen, reward, "k-1")
    redeem(platform, citizen, reward, "k-2")
    assert refused(lambda: redeem(platform, citizen, reward, "k-3")) == "redemption_limit_reached"
    confirm(platform, merchant, first.code)
    assert refused(lambda: redeem(platform, citizen, reward, "k-3")) == "redemption_limit_reached"
    second = redeem(platform, citizen, reward, "k-2").redemption
    cancel(platform, citizen, second.id)
    assert redeem(platform, citizen, reward, "k-3").redemption.state == "reserved"
    other = factories.add_citizen(platform)
    factories.grant_points(platform, other, 100)
    assert redeem(platform, other, reward, "k-1").redemption.state == "reserved"


def test_a_reward_is_redeemed_only_within_its_validity(platform: Platform) -> None:
    merchant = factories.add_partner(platform, role="merchant").id
    citizen = factories.add_citizen(platform)
    factories.grant_points(platform, citizen, 500)
    now = clock.now()
    soon = factories.add_reward(platform, merchant, valid_from=now + timedelta(days=1))
    assert refused(lambda: redeem(platform, citizen, soon, now=now)) == "reward_not_yet_valid"
    redeem(platform, citizen, soon, now=now + timedelta(days=1))
    ended = factories.add_reward(platform, merchant, valid_until=now + timedelta(minutes=1))
    late = now + timedelta(minutes=1)
    assert refused(lambda: redeem(platform, citizen, ended, "k-2", late)) == "reward_expired"
    assert balance(platform, f"citizen:{citizen}") == 400


def test_the_last_item_goes_once_and_the_loser_keeps_the_points(platform: Platform) -> None:
    merchant = factories.add_partner(platform, role="merchant").id
    reward = factories.add_reward(platform, merchant, stock=1)
    winner, loser = factories.add_citizen(platform), factories.add_citizen(platform)
    for citizen in (winner, loser):
        factories.grant_points(platform, citizen, 300)
    redeem(platform, winner, reward)
    assert refused(lambda: redeem(platform, loser, reward)) == "out_of_stock"
    assert stock(platform, reward) == 0
    assert balance(platform, f"citizen:{loser}") == 300
    assert redemption_count(platform) == 1
    points_balance(platform)


def test_insufficient_points_move_nothing(platform: Platform) -> None:
    _, citizen, reward = factories.shop(platform, 500, price=501)
    assert refused(lambda: redeem(platform, citizen, reward)) == "insufficient_points"
    assert stock(platform, reward) == 10
    assert redemption_count(platform) == 0
    assert balance(platform, f"citizen:{citizen}") == 500


def test_a_retry_returns_the_first_redemption(platform: Platform, made: Made) -> None:
    _, citizen, reward = made
    first = redeem(platform, citizen, reward, "same-key")
    again = redeem(platform, citizen, reward, "same-key")
    assert again.replayed
    assert again.redemption.id == first.redemption.id
    assert again.code == first.code
    assert balance(platform, f"citizen:{citizen}") == 400
    assert stock(platform, reward) == 9
    cancel(platform, citizen, first.redemption.id)
    after = redeem(platform, citizen, reward, "same-key")
    assert after.replayed
    assert after.redemption.state == "voided"


def test_a_key_reused_for_another_reward_is_refused(platform: Platform, made: Made) -> None:
    merchant, citizen, reward = made
    redeem(platform, citizen, reward, "same-key")
    other = factories.add_reward(platform, merchant)
    assert refused(lambda: redeem(platform, citizen, other, "same-key")) == "idempotency_key_reused"
    assert refused(lambda: redeem(platform, citizen, other, "no spaces")) == "invalid_redemption"
    assert refused(lambda: redeem(platform, citizen, "no-such-reward", "k-9")) == "unknown_reward"
    assert stock(platform, other) == 10


def test_withdrawn_and_suspended_rewards_are_refused_but_held_vouchers_stay_usable(
    platform: Platform, made: Made
) -> None:
    merchant, citizen, reward = made
    held = redeem(platform, citizen, reward, "k-1")
    now = clock.now()
    with db.write(platform.engine) as conn:
        catalogue.set_status(conn, reward, RewardStatus.SUSPENDED, now)
    assert refused(lambda: redeem(platform, citizen, reward, "k-2")) == "reward_suspended"
    with db.write(platform.engine) as conn:
        catalogue.set_status(conn, reward, RewardStatus.WITHDRAWN, now, merchant_id=merchant)
    assert refused(lambda: redeem(platform, citizen, reward, "k-2")) == "reward_withdrawn"
    assert confirm(platform, merchant, held.code).state == "confirmed"
    points_balance(platform)


def test_a_suspended_merchants_rewards_are_refused(platform: Platform, made: Made) -> None:
    merchant, citizen, reward = made
    with db.write(platform.engine) as conn:
        accounts.set_partner_status(conn, merchant, "suspended")
    assert refused(lambda: redeem(platform, citizen, reward)) == "reward_suspended"
    with db.read(platform.engine) as conn:
        assert catalogue.available(conn, clock.now()) == []


def test_the_servers_housekeeping_runs_the_timeout_job(platform: Platform, made: Made) -> None:
    merchant, citizen, _ = made
    reward = factories.add_reward(platform, merchant, valid_from=clock.now() - timedelta(days=2))
    hold = timedelta(minutes=platform.settings.redemption_hold_minutes)
    held = redeem(platform, citizen, reward, now=clock.now() - hold - timedelta(minutes=1))
    tick(platform, 0)
    with db.read(platform.engine) as conn:
        after = service.mine(conn, citizen, held.redemption.id)
    assert (after.state, after.void_reason) == ("voided", "expired")
    assert balance(platform, f"citizen:{citizen}") == 500
    assert stock(platform, reward) == 10


def test_the_citys_points_flow_shows_held_and_redeemed_points(
    platform: Platform, made: Made
) -> None:
    merchant, citizen, reward = made
    used = redeem(platform, citizen, reward, "k-1")
    redeem(platform, citizen, reward, "k-2")
    given_back = redeem(platform, citizen, reward, "k-3").redemption
    confirm(platform, merchant, used.code)
    cancel(platform, citizen, given_back.id)
    zone = platform.settings.zone
    with db.read(platform.engine) as conn:
        flow = ledgers.dashboard(conn, zone, clock.now().astimezone(zone).date())["points"]
    assert (flow["redeemed"], flow["held"], flow["outstanding"]) == (100, 100, 300)
