"""Campaigns as the operator runs them, on both databases: created and funded from issuance,
topped up once per key, closed with the leftover returned, shown to citizens only while active."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carbonledger import clock, db
from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points import service as points
from carbonledger.points.campaigns import campaign_account
from carbonledger.points.postings import ISSUANCE
from carbonledger.points.reconcile import reconcile
from tests import factories
from tests.integration.helpers import points_balance, submit


def test_a_new_campaign_is_funded_from_issuance(platform: Platform) -> None:
    campaign = factories.add_campaign(platform, budget=5000)
    balances = points_balance(platform)
    assert balances[campaign_account(campaign.id)] == 5000
    assert balances[ISSUANCE] == -5000
    with db.read(platform.engine) as conn:
        [state] = points.campaigns(conn)
    assert (state.campaign, state.budget_left, state.status) == (campaign, 5000, "open")
    assert state.created_by == "operator-1"


def test_every_problem_of_a_campaign_is_reported(platform: Platform) -> None:
    with pytest.raises(InvalidInput) as refused:
        factories.add_campaign(
            platform,
            id="bad id",
            multiplier_permille=20_000,
            scenarios=frozenset({"teleporting"}),
            regions=frozenset({"beijing"}),
        )
    assert refused.value.code == "invalid_campaign"
    for words in ("id must be", "multiplier_permille", "teleporting", "beijing"):
        assert words in refused.value.message
    with db.read(platform.engine) as conn:
        assert points.campaigns(conn) == []


def test_a_campaign_id_is_never_shared(platform: Platform) -> None:
    factories.add_campaign(platform, id="earth-day")
    with pytest.raises(Conflict, match="taken"):
        factories.add_campaign(platform, id="earth-day")
    with db.write(platform.engine) as conn:  # a budget account of engagement awards
        ledger.open_accounts(conn, [(campaign_account("checkin"), "campaign")], clock.now())
    with pytest.raises(Conflict) as refused:
        factories.add_campaign(platform, id="checkin")
    assert refused.value.code == "campaign_exists"


def test_a_top_up_counts_once_per_key(platform: Platform) -> None:
    campaign = factories.add_campaign(platform, budget=1000)
    now = clock.now()
    with db.write(platform.engine) as conn:
        points.top_up(conn, campaign.id, 500, "req-1", "operator-2", now)
        again = points.top_up(conn, campaign.id, 500, "req-1", "operator-2", now)
    assert (again.budget_left, again.campaign.budget) == (1500, 1500)
    with db.write(platform.engine) as conn, pytest.raises(Conflict) as reused:
        points.top_up(conn, campaign.id, 600, "req-1", "operator-2", now)
    assert reused.value.code == "idempotency_key_reused"
    with db.write(platform.engine) as conn, pytest.raises(InvalidInput):
        points.top_up(conn, campaign.id, 0, "req-2", "operator-2", now)
    with db.write(platform.engine) as conn, pytest.raises(NotFound):
        points.top_up(conn, "no-such-campaign", 10, "req-3", "operator-2", now)
    assert points_balance(platform)[campaign_account(campaign.id)] == 1500


def test_closing_returns_the_leftover_and_ends_the_campaign(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "u", citizen)
    campaign = factories.add_campaign(platform, budget=1000)
    submit(platform, partner.id, [factories.record("cycling", user="u")])
    now = clock.now()
    with db.write(platform.engine) as conn:
        closed = points.close_campaign(conn, campaign.id, "operator-3", now)
    assert (closed.status, closed.closed_by, closed.budget_left) == ("closed", "operator-3", 0)
    balances = points_balance(platform)
    assert balances[ISSUANCE] == -(214 + 214)  # base and bonus stay with the citizen
    later = factories.record("cycling", user="u", start=now - timedelta(hours=3))
    [after] = submit(platform, partner.id, [later])
    assert after.points == 214  # a closed campaign pays no bonus
    for again in (
        lambda conn: points.close_campaign(conn, campaign.id, "operator-3", now),
        lambda conn: points.top_up(conn, campaign.id, 10, "late", "operator-3", now),
    ):
        with db.write(platform.engine) as conn, pytest.raises(Conflict) as refused:
            again(conn)
        assert refused.value.code == "campaign_closed"
    with db.read(platform.engine) as conn:
        assert reconcile(conn).ok


def test_citizens_see_campaigns_only_while_running_with_budget(platform: Platform) -> None:
    now = clock.now()
    running = factories.add_campaign(platform, now)
    factories.add_campaign(platform, now, budget=0)
    factories.add_campaign(
        platform, now, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2)
    )
    factories.add_campaign(
        platform, now, starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1)
    )
    closing = factories.add_campaign(platform, now)
    with db.write(platform.engine) as conn:
        points.close_campaign(conn, closing.id, "operator-1", now)
    with db.read(platform.engine) as conn:
        shown = points.running_campaigns(conn, now)
        listed = points.campaigns(conn)
    assert [s.campaign.id for s in shown] == [running.id]
    assert len(listed) == 5


def test_a_pending_record_credited_on_link_earns_the_bonus_of_its_time(
    platform: Platform,
) -> None:
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    campaign = factories.add_campaign(platform)
    [waiting] = submit(platform, partner.id, [factories.record("cycling", user="late")])
    assert waiting.points == 0
    assert factories.link(platform, partner.id, "late", citizen) == 1
    balances = points_balance(platform)
    assert balances[f"citizen:{citizen}"] == 2 * 214
    assert balances[campaign_account(campaign.id)] == campaign.budget - 214


def test_a_campaign_that_ended_is_closed_and_its_budget_returned_once_no_record_can_arrive(
    platform: Platform,
) -> None:
    now = clock.now()
    late = timedelta(days=platform.settings.retention_days)
    settled = factories.add_campaign(
        platform,
        now,
        starts_at=now - late - timedelta(days=3),
        ends_at=now - late - timedelta(hours=1),
    )
    recent = factories.add_campaign(
        platform, now, starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1)
    )
    with db.write(platform.engine) as conn:
        issuance_before = ledger.balance(conn, ISSUANCE)
        closed = points.close_ended_campaigns(conn, now, late)
        again = points.close_ended_campaigns(conn, now, late)
    assert (closed, again) == ([settled.id], [])
    with db.read(platform.engine) as conn:
        states = {s.campaign.id: s for s in points.campaigns(conn)}
        issuance_after = ledger.balance(conn, ISSUANCE)
    assert states[settled.id].status == "closed"
    assert states[settled.id].closed_by == points.SETTLED_BY
    assert states[settled.id].budget_left == 0
    assert issuance_after - issuance_before == settled.budget
    assert states[recent.id].status == "open"  # a record of its window may still arrive
