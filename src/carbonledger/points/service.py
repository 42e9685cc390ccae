"""The operator's side of points: award rules and campaigns (积分活动). Each function runs in the
entry point's transaction and never commits.

Award rules are versioned: setting them adds a version, and the newest applies to every credit
from then on (each credit batch reads it in its own transaction); earlier credits keep what they
were awarded. A campaign is funded from issuance when created and by each top-up; closing it
returns what is left of its budget to issuance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.ids import ulid
from carbonledger.methodology.catalogue import Catalogue
from carbonledger.points import campaign_repository as campaign_repo
from carbonledger.points import ledger
from carbonledger.points import repository as repo
from carbonledger.points.campaigns import (
    Campaign,
    CampaignError,
    active,
    campaign_account,
    check,
    funding_transfer,
)
from carbonledger.points.postings import ISSUANCE, Transfer
from carbonledger.points.rules import AwardRules, RulesError, RulesVersion
from carbonledger.translog import sequencer

RULES_HISTORY = 20  # versions shown with the current rules


def rules_versions(conn: Connection) -> list[RulesVersion]:
    """The rules in force first, then earlier versions; the default if none was ever set."""
    return repo.rules_versions(conn, RULES_HISTORY) or [RulesVersion(AwardRules())]


def set_rules(
    conn: Connection, mg_per_point: int, daily_cap: int | None, by: str, now: datetime
) -> RulesVersion:
    """A new version of the award rules, in force for every credit from now on."""
    try:
        rules = AwardRules(mg_per_point, daily_cap)
    except RulesError as error:
        raise InvalidInput(str(error), code="invalid_rules") from None
    repo.insert_rules(
        conn,
        {
            "id": ulid(now),
            "mg_per_point": rules.mg_per_point,
            "daily_cap": rules.daily_cap,
            "set_at": now,
            "set_by": by,
        },
    )
    return RulesVersion(rules, now, by)


@dataclass(frozen=True, slots=True)
class CampaignState:
    """A campaign with what is left of its budget and who opened and closed it."""

    campaign: Campaign
    budget_left: int
    status: str
    created_at: datetime
    created_by: str
    closed_at: datetime | None = None
    closed_by: str | None = None


def _states(conn: Connection, rows: list[Any]) -> list[CampaignState]:
    balances = repo.balances_of(conn, [campaign_account(row.id) for row in rows])
    return [
        CampaignState(
            campaign_repo.as_campaign(row),
            balances.get(campaign_account(row.id), 0),
            row.status,
            row.created_at,
            row.created_by,
            row.closed_at,
            row.closed_by,
        )
        for row in rows
    ]


def _state(conn: Connection, campaign_id: str) -> CampaignState:
    row = campaign_repo.campaign_row(conn, campaign_id)
    if row is None:
        raise NotFound(f"no campaign has the id {campaign_id!r}", code="unknown_campaign")
    return _states(conn, [row])[0]


def create_campaign(
    conn: Connection, catalogue: Catalogue, campaign: Campaign, by: str, now: datetime
) -> CampaignState:
    """Save a campaign and fund its budget from issuance."""
    try:
        check(
            campaign,
            scenarios=(s.code for s in catalogue.scenarios),
            categories=(s.category for s in catalogue.scenarios),
        )
    except CampaignError as error:
        raise InvalidInput(str(error), code="invalid_campaign") from None
    account = campaign_account(campaign.id)
    # Engagement budgets are campaign accounts too; a campaign must not share one.
    if campaign_repo.campaign_row(conn, campaign.id) or repo.account_exists(conn, account):
        raise Conflict(f"the id {campaign.id!r} is taken; choose another", code="campaign_exists")
    campaign_repo.insert_campaign(conn, campaign, by, now)
    ledger.open_accounts(conn, [(account, "campaign")], now)
    funding = funding_transfer(campaign)
    if funding:
        ledger.post(conn, [funding], now)
    return _state(conn, campaign.id)


def campaigns(conn: Connection) -> list[CampaignState]:
    """Every campaign, open and closed, earliest first."""
    return _states(conn, campaign_repo.campaign_rows(conn))


def running_campaigns(conn: Connection, now: datetime) -> list[CampaignState]:
    """The campaigns citizens see: open, running now, with budget left."""
    states = _states(conn, campaign_repo.campaign_rows(conn, running_at=now))
    shown = {
        c.id
        for c in active(
            (s.campaign for s in states), now, {s.campaign.id: s.budget_left for s in states}
        )
    }
    return [s for s in states if s.campaign.id in shown]


def _open(conn: Connection, campaign_id: str) -> CampaignState:
    state = _state(conn, campaign_id)
    if state.status != "open":
        raise Conflict(
            f"campaign {campaign_id!r} was closed at {state.closed_at}; open a new campaign",
            code="campaign_closed",
        )
    return state


def top_up(
    conn: Connection, campaign_id: str, points: int, key: str, by: str, now: datetime
) -> CampaignState:
    """Add `points` to a campaign's budget from issuance. `key` is the operator's idempotency key:
    a retry with the same key and points changes nothing; the same key with other points is
    refused (409 idempotency_key_reused)."""
    if points <= 0:
        raise InvalidInput("points must be a positive whole number", code="invalid_top_up")
    _open(conn, campaign_id)
    funded = ledger.post(
        conn,
        [
            Transfer(
                idempotency_key=f"campaign_top_up:{campaign_id}:{key}",
                kind="campaign_budget",
                debit=ISSUANCE,
                credit=campaign_account(campaign_id),
                amount=points,
                ref=campaign_id,
                memo=f"top-up by {by}",
            )
        ],
        now,
    )
    if funded:
        campaign_repo.add_campaign_budget(conn, campaign_id, points)
    return _state(conn, campaign_id)


def close_campaign(conn: Connection, campaign_id: str, by: str, now: datetime) -> CampaignState:
    """Close a campaign: it pays no more bonuses and what is left of its budget returns to
    issuance."""
    # Under the log's lock, so no credit batch is paying bonuses from the budget meanwhile.
    sequencer.lock(conn)
    state = _open(conn, campaign_id)
    campaign_repo.close_campaign(conn, campaign_id, by, now)
    if state.budget_left > 0:
        ledger.post(
            conn,
            [
                Transfer(
                    idempotency_key=f"campaign_return:{campaign_id}",
                    kind="campaign_return",
                    debit=campaign_account(campaign_id),
                    credit=ISSUANCE,
                    amount=state.budget_left,
                    ref=campaign_id,
                )
            ],
            now,
        )
    return _state(conn, campaign_id)


SETTLED_BY = "platform"
"""Who closes a campaign that ended (`close_ended_campaigns`)."""


def settles_at(campaign: Campaign, late: timedelta) -> datetime:
    """When an ended campaign is closed and what is left of its budget returns to issuance:
    once no record of its window can still arrive (records may be `late` old)."""
    return campaign.ends_at + late


def close_ended_campaigns(conn: Connection, now: datetime, late: timedelta) -> list[str]:
    """Close every open campaign whose window ended more than `late` ago (no record of its
    window can still earn a bonus), returning what is left of each budget to issuance."""

    def due() -> list[str]:
        return [
            state.campaign.id
            for state in campaigns(conn)
            if state.status == "open" and settles_at(state.campaign, late) <= now
        ]

    if not due():
        return []
    sequencer.lock(conn)  # then again: another worker may have closed them meanwhile
    ended = due()
    for campaign_id in ended:
        close_campaign(conn, campaign_id, SETTLED_BY, now)
    return ended
