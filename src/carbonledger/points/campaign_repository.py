"""SQL of campaigns (积分活动): the operator's campaign rows; their budgets are the balances of
their point accounts (see campaigns.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.points.campaigns import Campaign
from carbonledger.points.tables import campaigns


def as_campaign(row: Any) -> Campaign:
    return Campaign(
        id=row.id,
        name_zh=row.name_zh,
        name_en=row.name_en,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        multiplier_permille=row.multiplier_permille,
        scenarios=frozenset(row.scenarios.split()),
        categories=frozenset(row.categories.split()),
        regions=frozenset(row.regions.split()),
        budget=row.budget,
    )


def insert_campaign(conn: Connection, campaign: Campaign, by: str, now: datetime) -> None:
    conn.execute(
        campaigns.insert(),
        {
            "id": campaign.id,
            "name_zh": campaign.name_zh,
            "name_en": campaign.name_en,
            "starts_at": campaign.starts_at,
            "ends_at": campaign.ends_at,
            "multiplier_permille": campaign.multiplier_permille,
            "scenarios": " ".join(sorted(campaign.scenarios)),
            "categories": " ".join(sorted(campaign.categories)),
            "regions": " ".join(sorted(campaign.regions)),
            "budget": campaign.budget,
            "status": "open",
            "created_at": now,
            "created_by": by,
        },
    )


def campaign_row(conn: Connection, campaign_id: str) -> Row[Any] | None:
    """The campaign's row, locked until the transaction ends (top-ups and closing serialise)."""
    return conn.execute(
        select(campaigns).where(campaigns.c.id == campaign_id).with_for_update()
    ).first()


def campaign_rows(conn: Connection, *, running_at: datetime | None = None) -> list[Row[Any]]:
    """Every campaign, or only the open ones running at `running_at`; earliest first."""
    query = select(campaigns).order_by(campaigns.c.starts_at, campaigns.c.id)
    if running_at is not None:
        query = query.where(
            campaigns.c.status == "open",
            campaigns.c.starts_at <= running_at,
            campaigns.c.ends_at > running_at,
        )
    return list(conn.execute(query))


def campaigns_overlapping(
    conn: Connection, start: datetime, end: datetime, *, open_only: bool
) -> list[Campaign]:
    """Campaigns whose window meets [start, end]: those a credit in that span may match."""
    query = select(campaigns).where(campaigns.c.ends_at > start, campaigns.c.starts_at <= end)
    if open_only:
        query = query.where(campaigns.c.status == "open")
    return [as_campaign(row) for row in conn.execute(query)]


def add_campaign_budget(conn: Connection, campaign_id: str, points: int) -> None:
    conn.execute(
        update(campaigns)
        .where(campaigns.c.id == campaign_id)
        .values(budget=campaigns.c.budget + points)
    )


def close_campaign(conn: Connection, campaign_id: str, by: str, now: datetime) -> None:
    conn.execute(
        update(campaigns)
        .where(campaigns.c.id == campaign_id)
        .values(status="closed", closed_at=now, closed_by=by)
    )


def closed_campaigns(conn: Connection, campaign_ids: Iterable[str]) -> set[str]:
    wanted = list(set(campaign_ids))
    if not wanted:
        return set()
    rows = conn.execute(
        select(campaigns.c.id).where(campaigns.c.id.in_(wanted), campaigns.c.status == "closed")
    )
    return set(rows.scalars())
