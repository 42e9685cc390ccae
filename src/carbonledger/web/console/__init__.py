"""The operator console (管理后台) under /console: one router gathering logging in and the
overview, and the areas the operator's roles open — partners, methodology versions, points and
campaigns, the review queue, rewards, reports. The forms call the same services as the
`/api/v1/admin` routes."""

from __future__ import annotations

from fastapi import APIRouter

from carbonledger.web.console import (
    home,
    methodology,
    partners,
    points,
    reports,
    review,
    rewards,
)

router = APIRouter(include_in_schema=False)
for area in (home, partners, methodology, points, review, rewards, reports):
    router.include_router(area.router)
