"""The citizen app (市民端) under /app: one router gathering its page groups — registering and
logging in, home and ledger, partner links, and my account."""

from __future__ import annotations

from fastapi import APIRouter

from carbonledger.web import citizen_account, citizen_auth, citizen_home, citizen_links

router = APIRouter(include_in_schema=False)
for group in (citizen_auth, citizen_home, citizen_links, citizen_account):
    router.include_router(group.router)
