"""The citizen app (市民端) under /app: one router gathering its page groups — registering and
logging in, home and ledger, partner links, the rewards mall, activities, donations, my
account, and the phone: a password reset and verifying the number by SMS code."""

from __future__ import annotations

from fastapi import APIRouter

from carbonledger.web.citizen import (
    account,
    activities,
    appeals,
    auth,
    donations,
    home,
    links,
    lotteries,
    notifications,
    phone,
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
    phone,
    appeals,
    notifications,
    lotteries,
):
    router.include_router(group.router)
