"""Accounts of the partner portal (企业门户), separate from the signed API: the access key a
partner's staff log in with, and the keys a partner rotates itself. Services take the caller's
connection and never commit.

- The operator issues a portal access key (`carbonledger partner portal-key ID`); it is shown
  once and kept only as an argon2id hash, and failed logins are throttled like passwords.
- Rotating the signing key registers a new Ed25519 public key for the API: the old key is refused
  from that moment, kept as retired (the signatures stored with old batches stay checkable) and
  never accepted again.
- Rotating the portal key ends every portal session of the partner.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.accounts import passwords
from carbonledger.accounts import repository as repo
from carbonledger.accounts.service import check_key_unused
from carbonledger.errors import Conflict, Forbidden, InvalidInput, NotFound
from carbonledger.ingest.signing import parse_public_key

_ACCESS_KEY_BYTES = 24  # 32 URL-safe characters: guessing is hopeless even unthrottled


def _partner(conn: Connection, partner_id: str) -> Any:
    found = repo.partner(conn, partner_id)
    if found is None:
        raise NotFound(f"no partner has the id {partner_id!r}", code="unknown_partner")
    return found


def suspended() -> Forbidden:
    return Forbidden("this partner is suspended; contact the operator", code="partner_suspended")


def new_portal_key() -> tuple[str, str]:
    """(a new access key, its hash): hashing is slow, so it is done before the write
    transaction that issues the key (`issue_portal_key`)."""
    key = secrets.token_urlsafe(_ACCESS_KEY_BYTES)
    return key, passwords.hash_password(key)


def issue_portal_key(conn: Connection, partner_id: str, new: tuple[str, str], now: datetime) -> str:
    """Give the partner's staff the access key `new_portal_key` made, returned this once; the
    previous key stops working and every portal session of the partner ends."""
    _partner(conn, partner_id)
    key, key_hash = new
    repo.set_portal_key(conn, partner_id, key_hash, now)
    repo.delete_sessions_of(conn, "partner", partner_id)
    return key


def rotate_signing_key(conn: Connection, partner_id: str, public_key: str, now: datetime) -> None:
    """Register a new signing key (raw 32-byte Ed25519 public key, base64) for the API; the
    replaced key still signs for `key_overlap_hours` (ingest.auth)."""
    try:
        key = parse_public_key(public_key.strip())
    except ValueError as error:
        raise InvalidInput(str(error), code="invalid_public_key") from None
    partner = _partner(conn, partner_id)
    if key == bytes(partner.public_key):
        raise Conflict("this is the key in use already; generate a new key pair", code="same_key")
    if key in {bytes(row.public_key) for row in repo.retired_keys_of(conn, partner_id)}:
        raise Conflict(
            "this key was retired before and is never taken back; generate a new key pair",
            code="key_retired",
        )
    check_key_unused(conn, key, partner_id)
    repo.retire_key(conn, partner_id, bytes(partner.public_key), now)
    repo.set_partner(conn, partner_id, public_key=key)


def overview(conn: Connection, partner_id: str) -> dict[str, Any]:
    """What the portal shows of the partner itself: name, role, status and its keys."""
    partner = _partner(conn, partner_id)
    return {
        "partner": partner.id,
        "name": partner.name,
        "role": partner.role,
        "status": partner.status,
        "merchant": partner.role in ("merchant", "both"),
        "data": partner.role in ("data", "both"),
        "public_key": base64.b64encode(bytes(partner.public_key)).decode(),
        "retired_keys": [
            {
                "public_key": base64.b64encode(bytes(row.public_key)).decode(),
                "retired_at": row.retired_at,
            }
            for row in repo.retired_keys_of(conn, partner_id)
        ],
    }
