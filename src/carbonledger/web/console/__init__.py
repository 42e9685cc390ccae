"""The operator console (管理后台) under /console: one router gathering logging in and the
overview, and the areas the operator's roles open — partners, methodology versions, points and
campaigns, the review queue and appeals, rewards, reports, the quiz bank and volunteer events,
operator accounts and partners' portal keys. The forms call the same services as the
`/api/v1/admin` routes."""

from __future__ import annotations

from fastapi import APIRouter

from carbonledger.web.console import (
    donations,
    engagement,
    home,
    lotteries,
    methodology,
    operators,
    partners,
    points,
    reports,
    review,
    rewards,
)

router = APIRouter(include_in_schema=False)
for area in (
    home,
    partners,
    methodology,
    points,
    review,
    rewards,
    reports,
    engagement,
    donations,
    lotteries,
    operators,
):
    router.include_router(area.router)
