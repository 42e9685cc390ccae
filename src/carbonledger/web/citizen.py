"""The citizen app (市民端) under /app: one router gathering its page groups — registering and
logging in, home and ledger, partner links, the rewards mall, activities, donations and my
account."""

from __future__ import annotations

from fastapi import APIRouter

from carbonledger.web import (
    citizen_account,
    citizen_activities,
    citizen_auth,
    citizen_donations,
    citizen_home,
    citizen_links,
    citizen_rewards,
)

router = APIRouter(include_in_schema=False)
for group in (
    citizen_auth,
    citizen_home,
    citizen_links,
    citizen_rewards,
    citizen_activities,
    citizen_donations,
    citizen_account,
):
    router.include_router(group.router)
