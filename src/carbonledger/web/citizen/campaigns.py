"""Citizen app: the campaigns running now (活动加成), as `/api/v1/campaigns` gives them, with the
behaviours, categories and districts they cover named in the page's language and the bonus as a
percentage. Shown on the home page and the activities page."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.platform import Platform
from carbonledger.points import service as points
from carbonledger.points.campaigns import NO_BONUS_PERMILLE
from carbonledger.points.schemas import CampaignOut
from carbonledger.web.base.names import region_names, scenario_names

_PERCENT = NO_BONUS_PERMILLE // 100


def running(conn: Connection, platform: Platform, language: str) -> list[dict[str, Any]]:
    """The campaigns running now with budget left, each with `covers` (behaviours and categories
    by name; empty: every behaviour), `where` (districts; empty: the whole city) and
    `bonus_percent`."""
    catalogue = platform.catalogue
    behaviours = scenario_names(catalogue, language)
    categories = {
        s.category: s.category_zh if language == "zh" else s.category for s in catalogue.scenarios
    }
    districts = region_names(language)
    views = []
    for state in points.running_campaigns(conn, clock.now()):
        campaign = CampaignOut.of(state)
        views.append(
            {
                **campaign.model_dump(),
                "covers": [behaviours.get(code, code) for code in campaign.scenarios]
                + [categories.get(code, code) for code in campaign.categories],
                "where": [districts.get(code, code) for code in campaign.regions],
                "bonus_percent": (campaign.multiplier_permille - NO_BONUS_PERMILLE) // _PERCENT,
            }
        )
    return views
