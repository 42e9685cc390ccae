"""Points awarded through the real pipeline: the operator's rules, the daily cap, campaigns and
their budgets, reversals clawing back base and bonuses, and reconciliation after all of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from carbonledger import db
from carbonledger.ingest.crediting import reverse
from carbonledger.ingest.results import Result, Status
from carbonledger.ingest.tables import records, reversals
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points import service as points
from carbonledger.points.campaigns import campaign_account
from carbonledger.points.postings import ISSUANCE, Transfer
from carbonledger.points.reconcile import reconcile
from carbonledger.points.tables import citizen_day_points, point_accounts, transfers
from carbonledger.translog import publisher
from carbonledger.translog import repository as log_repo
from carbonledger.translog.leaves import Leaf
from tests import factories
from tests.factories import record
from tests.integration.helpers import points_balance, rollups_match_records, submit

NOON = datetime(2026, 9, 22, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
HAIDIAN, DONGCHENG = "110108", "110101"
CYCLING_POINTS = 214  # 4.2 km × 51 g/km = 214.2 g


def city(platform: Platform, people: int) -> tuple[str, list[str]]:
    """A data partner and `people` citizens linked to it as users u0, u1, …"""
    partner = factories.add_partner(platform)
    citizens = [factories.add_citizen(platform) for _ in range(people)]
    for number, citizen in enumerate(citizens):
        factories.link(platform, partner.id, f"u{number}", citizen)
    return partner.id, citizens


def ride(user: str = "u0", hours_before: float = 1, **extra: str) -> dict[str, object]:
    """A 4.2 km bike ride ending before NOON; rides `hours_before` apart never overlap."""
    return record("cycling", user=user, start=NOON - timedelta(hours=hours_before), **extra)


def leaf(platform: Platform, index: int | None) -> Leaf:
    assert index is not None
    with db.read(platform.engine) as conn:
        return Leaf.decode(log_repo.entry(conn, index))


def moved(platform: Platform, record_id: str | None) -> dict[str, int]:
    """idempotency key → amount of a record's transfers."""
    with db.read(platform.engine) as conn:
        rows = conn.execute(select(transfers).where(transfers.c.record_id == record_id))
        return {row.idempotency_key: row.amount for row in rows}


def check_books(platform: Platform) -> None:
    """Every invariant the pipeline maintains, and a clean reconciliation."""
    points_balance(platform)
    rollups_match_records(platform)
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, NOON)
    with db.read(platform.engine) as conn:
        result = reconcile(conn)
    assert result.ok, result.problems


def test_default_rule_is_one_point_per_gram(platform: Platform) -> None:
    partner, [citizen] = city(platform, 1)
    [result] = submit(platform, partner, [ride()], NOON)
    assert result.status is Status.ACCEPTED
    assert result.points == leaf(platform, result.leaf_index).points == CYCLING_POINTS
    assert moved(platform, result.record) == {f"award:{result.record}": CYCLING_POINTS}
    assert points_balance(platform)[f"citizen:{citizen}"] == CYCLING_POINTS
    with db.read(platform.engine) as conn:
        [rules] = points.rules_versions(conn)
    assert (rules.rules.mg_per_point, rules.rules.daily_cap, rules.set_by) == (1000, None, None)


def test_changed_rules_apply_to_credits_from_then_on(platform: Platform) -> None:
    partner, [citizen] = city(platform, 1)
    [before] = submit(platform, partner, [ride(hours_before=3)], NOON)
    with db.write(platform.engine) as conn:
        points.set_rules(conn, 2000, None, "operator-1", NOON)  # one point per 2 g
    [after] = submit(platform, partner, [ride(hours_before=1)], NOON)
    assert (before.points, after.points) == (CYCLING_POINTS, CYCLING_POINTS // 2)
    assert leaf(platform, after.leaf_index).points == CYCLING_POINTS // 2
    assert points_balance(platform)[f"citizen:{citizen}"] == CYCLING_POINTS + CYCLING_POINTS // 2
    with db.read(platform.engine) as conn:
        [current] = points.rules_versions(conn)
    assert (current.rules.mg_per_point, current.set_by, current.set_at) == (
        2000,
        "operator-1",
        NOON,
    )
    check_books(platform)


def test_the_daily_cap_holds_across_batches_and_resets_the_next_day(platform: Platform) -> None:
    partner, [citizen] = city(platform, 1)
    with db.write(platform.engine) as conn:
        points.set_rules(conn, 1000, 500, "operator-1", NOON)
    first = submit(platform, partner, [ride(hours_before=5), ride(hours_before=4)], NOON)
    [second] = submit(platform, partner, [ride(hours_before=3)], NOON)
    [third] = submit(platform, partner, [ride(hours_before=2)], NOON)
    [next_day] = submit(platform, partner, [ride(hours_before=-20)], NOON + timedelta(days=1))
    assert [r.points for r in first] == [CYCLING_POINTS, CYCLING_POINTS]
    assert second.points == 500 - 2 * CYCLING_POINTS
    assert (third.status, third.points) == (Status.ACCEPTED, 0)
    assert next_day.points == CYCLING_POINTS
    # The partner's `capped` is the quantity cap of dedupe; the points cap is kept on the record.
    assert not second.capped and not third.capped
    with db.read(platform.engine) as conn:
        flags = {r.id: r.points_capped for r in conn.execute(select(records))}
        days = {row.day.isoformat(): row.points for row in conn.execute(select(citizen_day_points))}
    assert [flags[r.record] for r in (*first, second, third, next_day)] == [
        False,
        False,
        True,
        True,
        False,
    ]
    assert days == {"2026-09-22": 500, "2026-09-23": CYCLING_POINTS}
    assert leaf(platform, third.leaf_index).points == 0
    assert points_balance(platform)[f"citizen:{citizen}"] == 500 + CYCLING_POINTS
    check_books(platform)


def test_a_campaign_doubles_green_travel_in_one_region_only(platform: Platform) -> None:
    partner, [citizen] = city(platform, 1)
    campaign = factories.add_campaign(platform, NOON, regions=frozenset({HAIDIAN}))
    results = submit(
        platform,
        partner,
        [
            ride(hours_before=3, region=HAIDIAN),
            ride(hours_before=2, region=DONGCHENG),
            record(
                "clean_plate",
                user="u0",
                start=NOON - timedelta(hours=1),
                quantity=1,
                region=HAIDIAN,
            ),
        ],
        NOON,
    )
    haidian, dongcheng, dining = results
    assert (haidian.points, dongcheng.points, dining.points) == (2 * CYCLING_POINTS, 214, 449)
    assert leaf(platform, haidian.leaf_index).points == CYCLING_POINTS  # the base, from issuance
    assert moved(platform, haidian.record) == {
        f"award:{haidian.record}": CYCLING_POINTS,
        f"bonus:{haidian.record}:{campaign.id}": CYCLING_POINTS,
    }
    balances = points_balance(platform)
    assert balances[f"citizen:{citizen}"] == 3 * CYCLING_POINTS + 449
    assert balances[campaign_account(campaign.id)] == campaign.budget - CYCLING_POINTS
    assert balances[ISSUANCE] == -(campaign.budget + 2 * CYCLING_POINTS + 449)
    check_books(platform)


def test_a_budget_that_runs_out_mid_batch_pays_what_it_holds(platform: Platform) -> None:
    partner, citizens = city(platform, 3)
    campaign = factories.add_campaign(platform, NOON, budget=300)
    results = submit(platform, partner, [ride(f"u{n}") for n in range(3)], NOON)
    assert [r.points for r in results] == [2 * CYCLING_POINTS, CYCLING_POINTS + 86, CYCLING_POINTS]
    [later] = submit(platform, partner, [ride("u0", hours_before=3)], NOON)
    assert later.points == CYCLING_POINTS
    balances = points_balance(platform)
    assert balances[campaign_account(campaign.id)] == 0
    assert [balances[f"citizen:{c}"] for c in citizens] == [
        3 * CYCLING_POINTS,
        CYCLING_POINTS + 86,
        CYCLING_POINTS,
    ]
    with db.read(platform.engine) as conn:
        assert points.running_campaigns(conn, NOON) == []  # no longer shown to citizens
    check_books(platform)


def test_a_reversal_claws_back_the_base_and_the_bonuses(platform: Platform) -> None:
    partner, [citizen] = city(platform, 1)
    campaign = factories.add_campaign(platform, NOON)
    [credit] = submit(platform, partner, [ride()], NOON)
    with db.write(platform.engine) as conn:
        index = reverse(conn, platform, credit.record or "", "the trip was reported twice", NOON)
    assert leaf(platform, index).points == -CYCLING_POINTS
    balances = points_balance(platform)
    assert balances[f"citizen:{citizen}"] == 0
    assert balances[campaign_account(campaign.id)] == campaign.budget
    assert moved(platform, credit.record) == {
        f"award:{credit.record}": CYCLING_POINTS,
        f"bonus:{credit.record}:{campaign.id}": CYCLING_POINTS,
        f"clawback:{credit.record}": CYCLING_POINTS,
        f"bonus_clawback:{credit.record}:{campaign.id}": CYCLING_POINTS,
    }
    with db.read(platform.engine) as conn:
        clawed = conn.execute(select(reversals.c.points_clawed_back)).scalar_one()
    assert clawed == 2 * CYCLING_POINTS
    check_books(platform)


def test_a_reversal_takes_the_base_first_when_points_were_spent(platform: Platform) -> None:
    partner, [citizen] = city(platform, 1)
    campaign = factories.add_campaign(platform, NOON)
    [credit] = submit(platform, partner, [ride()], NOON)
    spend_until_left(platform, citizen, CYCLING_POINTS + 50)
    with db.write(platform.engine) as conn:
        index = reverse(conn, platform, credit.record or "", "fraudulent account", NOON)
    assert leaf(platform, index).points == -CYCLING_POINTS
    balances = points_balance(platform)
    assert balances[f"citizen:{citizen}"] == 0
    assert balances[campaign_account(campaign.id)] == campaign.budget - CYCLING_POINTS + 50
    with db.read(platform.engine) as conn:
        assert conn.execute(select(reversals.c.points_clawed_back)).scalar_one() == 264
    check_books(platform)


def test_bonus_clawed_back_after_a_campaign_closed_returns_to_issuance(
    platform: Platform,
) -> None:
    partner, _ = city(platform, 1)
    campaign = factories.add_campaign(platform, NOON)
    [credit] = submit(platform, partner, [ride()], NOON)
    with db.write(platform.engine) as conn:
        closed = points.close_campaign(conn, campaign.id, "operator-1", NOON)
        reverse(conn, platform, credit.record or "", "the partner withdrew the trip", NOON)
    assert (closed.status, closed.budget_left) == ("closed", 0)
    assert points_balance(platform)[campaign_account(campaign.id)] == 0
    check_books(platform)


def test_reconcile_reads_the_flow_and_fails_on_a_tampered_balance(platform: Platform) -> None:
    partner, citizens = city(platform, 2)
    campaign = factories.add_campaign(platform, NOON, budget=1000)
    results: list[Result] = submit(platform, partner, [ride("u0"), ride("u1")], NOON)
    with db.write(platform.engine) as conn:
        reverse(conn, platform, results[1].record or "", "a test of reversal", NOON)
    spend_until_left(platform, citizens[0], 100)
    check_books(platform)
    with db.read(platform.engine) as conn:
        good = reconcile(conn)
    assert good.held == {
        "citizen": 100,
        "campaign": 1000 - CYCLING_POINTS,
        "merchant": 2 * CYCLING_POINTS - 100,
        "expired": 0,
    }
    assert good.moved["bonus"] == 2 * CYCLING_POINTS
    assert good.moved["bonus_clawback"] == CYCLING_POINTS
    assert good.circulating == sum(good.held.values())
    lines = "\n".join(good.lines())
    assert "in campaign budgets: 786" in lines and "paid to merchants: 328" in lines
    with db.write(platform.engine) as conn:
        conn.execute(
            update(point_accounts)
            .where(point_accounts.c.id == campaign_account(campaign.id))
            .values(balance=point_accounts.c.balance + 5)
        )
    with db.read(platform.engine) as conn:
        bad = reconcile(conn)
    assert not bad.ok
    assert any("sum to 5" in p for p in bad.problems)
    assert any(campaign_account(campaign.id) in p for p in bad.problems)


def spend_until_left(platform: Platform, citizen: str, left: int) -> None:
    """The citizen spends at a shop everything but `left` points."""
    with db.write(platform.engine) as conn:
        ledger.open_accounts(conn, [("merchant:shop", "merchant")], NOON)
        balance = ledger.balance(conn, f"citizen:{citizen}")
        ledger.post(
            conn,
            [
                Transfer(
                    f"spend:{citizen}",
                    "redeem",
                    f"citizen:{citizen}",
                    "merchant:shop",
                    balance - left,
                )
            ],
            NOON,
        )
