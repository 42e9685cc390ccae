"""Authentication of a partner's signed request (PARTNER_API.md §1): headers, key, signature,
timestamp window, suspension, nonce replay guard and rate limit, in that order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from carbonledger import db
from carbonledger.accounts import repository as accounts
from carbonledger.config import Settings
from carbonledger.errors import Forbidden, RateLimited, Unauthorized
from carbonledger.ingest import signing
from carbonledger.ingest.ratelimit import RateLimiter


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated partner and the signed request it made."""

    partner_id: str
    role: str
    request: signing.SignedRequest

    def require_data_partner(self) -> None:
        """Records and links come from data partners; a merchant-only partner is refused."""
        if self.role == "merchant":
            raise Forbidden(
                "only data partners may submit records or link users", code="not_a_data_partner"
            )

    def require_merchant(self) -> None:
        """Rewards, vouchers and settlement belong to merchants; a data-only partner is refused."""
        if self.role == "data":
            raise Forbidden(
                "only merchant partners may list rewards or confirm vouchers; ask the operator "
                "for the merchant role",
                code="not_a_merchant",
            )


def authenticate(
    engine: Engine,
    settings: Settings,
    limiter: RateLimiter,
    headers: dict[str, str],
    method: str,
    path: str,
    body: bytes,
    now: datetime,
) -> Caller:
    """Check a request's signature headers; raise the refusal the contract names."""
    try:
        signed = signing.parse_headers(headers)
        with db.read(engine) as conn:
            partner = accounts.partner(conn, signed.partner_id)
        if partner is None:
            raise Unauthorized(
                f"no partner has the id {signed.partner_id!r}", code="unknown_partner"
            )
        signing.verify(partner.public_key, signed, method, path, body)
        signing.check_timestamp(signed.timestamp, now.timestamp(), settings.request_window_seconds)
    except signing.SigningError as error:
        raise Unauthorized(str(error), code=error.code) from None
    if partner.status == "pending":
        raise Forbidden(
            f"partner {partner.id!r} awaits the operator's approval", code="partner_pending"
        )
    if partner.status != "active":
        raise Forbidden(
            f"partner {partner.id!r} is suspended; contact the operator", code="partner_suspended"
        )
    fresh = db.retrying(
        engine, lambda conn: accounts.remember_nonce(conn, partner.id, signed.nonce, now)
    )
    if not fresh:
        raise Unauthorized(
            "this X-Nonce was used before; every request needs a new one", code="replayed_nonce"
        )
    per_minute = partner.rate_limit_per_minute or settings.rate_limit_per_minute
    wait = limiter.take(partner.id, per_minute, now.timestamp())
    if wait:
        raise RateLimited(f"more than {per_minute} requests a minute; retry in {wait} s", wait)
    return Caller(partner.id, partner.role, signed)
