"""The citizen app (市民端) under /app: one router gathering its page groups — registering and
logging in, home and ledger, partner links, the rewards mall, activities, donations and my
account."""

from __future__ import annotations

from fastapi import APIRouter

from carbonledger.web.citizen import (
    account,
    activities,
    auth,
    donations,
    home,
    links,
    rewards,
)

router = APIRouter(include_in_schema=False)
for group in (
    auth,
    home,
    links,
    rewards,
    activities,
    donations,
    account,
):
    router.include_router(group.router)
