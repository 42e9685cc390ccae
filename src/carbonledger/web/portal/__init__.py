"""The partner portal (企业门户) under /portal: one router gathering logging in, the enterprise
ledger and record lookup for data partners, the merchant's rewards, settlement and voucher
confirmation, and the
partner's keys. A partner sees only its own figures: every read is keyed by the logged-in
partner's id, never by anything in the request."""

from __future__ import annotations

from fastapi import APIRouter

from carbonledger.web.portal import auth, keys, ledger, listing, merchant, vouchers
from carbonledger.web.portal.auth import PortalRefused, portal_refused_handler

__all__ = ["PortalRefused", "portal_refused_handler", "router"]

router = APIRouter(include_in_schema=False)
for group in (auth, ledger, keys, merchant, listing, vouchers):
    router.include_router(group.router)
