"""Public pages, open to anyone: the landing page, the reduction handbook, the live city
dashboard with its event stream, and the chart library served from an installed package."""

from __future__ import annotations

from fastapi import APIRouter

from carbonledger.web.public import dashboard, pages

router = APIRouter(include_in_schema=False)
for group in (pages, dashboard):
    router.include_router(group.router)
