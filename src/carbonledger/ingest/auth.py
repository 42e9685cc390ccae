"""Authentication of a partner's signed request (PARTNER_API.md §1): headers, key, signature,
timestamp window, suspension, nonce replay guard and rate limit, in that order. A key the
partner replaced still signs for `key_overlap_hours` after, while its servers move over."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

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


def _verify(
    current: bytes,
    replaced: list[bytes],
    signed: signing.SignedRequest,
    method: str,
    path: str,
    body: bytes,
) -> None:
    """The request signed with the partner's key, or with a key it replaced within the overlap
    (its servers move to the new key one by one); else the current key's refusal."""
    try:
        signing.verify(current, signed, method, path, body)
    except signing.SigningError:
        for key in replaced:
            with suppress(signing.SigningError):
                signing.verify(key, signed, method, path, body)
                return
        raise


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
        overlap = timedelta(hours=settings.key_overlap_hours)
        with db.read(engine) as conn:
            partner = accounts.partner(conn, signed.partner_id)
            replaced = [
                bytes(row.public_key)
                for row in accounts.retired_keys_of(conn, signed.partner_id)
                if row.retired_at > now - overlap
            ]
        if partner is None:
            raise Unauthorized(
                f"no partner has the id {signed.partner_id!r}", code="unknown_partner"
            )
        _verify(bytes(partner.public_key), replaced, signed, method, path, body)
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
