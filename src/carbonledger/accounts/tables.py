"""Tables of partners, citizens, partner-user links, link codes and request nonces."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from carbonledger.db import UTCDateTime, metadata

partners = Table(
    "partners",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    # A signing key belongs to one partner (retired keys are checked by the services).
    Column("public_key", LargeBinary(32), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("rate_limit_per_minute", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('data', 'merchant', 'both')", name="role"),
    # A new partner may start `pending` until an operator approves it.
    CheckConstraint("status IN ('pending', 'active', 'suspended')", name="status"),
)

citizens = Table(
    "citizens",
    metadata,
    Column("id", String(26), primary_key=True),
    # Personal data: names and phones encrypted, phone and ID number also keyed-hashed for lookup.
    Column("name_enc", LargeBinary),
    Column("phone_enc", LargeBinary),
    Column("phone_hash", LargeBinary(32), unique=True),
    Column("id_number_hash", LargeBinary(32), unique=True),
    Column("birth_date", Date),
    # Destroying this key makes the citizen's log leaves impossible to tie back to them.
    Column("pseudonym_key", LargeBinary(32)),
    Column("password_hash", String(200)),
    Column("region", String(6), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("deleted_at", UTCDateTime),
    CheckConstraint("status IN ('active', 'deleted')", name="status"),
)

links = Table(
    "links",
    metadata,
    Column("partner_id", String(64), ForeignKey("partners.id"), primary_key=True),
    Column("partner_user", String(128), primary_key=True),
    Column("citizen_id", String(26), ForeignKey("citizens.id"), nullable=False),
    Column("linked_at", UTCDateTime, nullable=False),
    UniqueConstraint("partner_id", "citizen_id"),
)

link_codes = Table(
    "link_codes",
    metadata,
    # A keyed hash (hex) of the code, never the code itself: it is a bearer secret
    # (`service.link_code_digest`).
    Column("code", String(64), primary_key=True),
    Column("citizen_id", String(26), ForeignKey("citizens.id"), nullable=False),
    Column("partner_id", String(64), ForeignKey("partners.id"), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

nonces = Table(
    "nonces",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False, index=True),
)

operators = Table(
    "operators",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    # Comma-separated roles (accounts.roles): few, fixed, and always read together.
    Column("roles", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('active', 'disabled')", name="status"),
)

sessions = Table(
    "sessions",
    metadata,
    # Only a keyed hash of the token is stored: a copy of the table logs nobody in.
    Column("token_hash", LargeBinary(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("subject", String(64), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    CheckConstraint("kind IN ('citizen', 'operator', 'partner')", name="kind"),
)

login_failures = Table(
    "login_failures",
    metadata,
    # Keyed by a keyed hash of what was tried (the account, the client's address, or both),
    # never the phone number or address itself: failures in a row and when the last one was.
    Column("key", String(80), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
)

portal_keys = Table(
    "portal_keys",
    metadata,
    # The access key of a partner's staff to the portal (separate from the API's signing key):
    # shown once when made, kept only as an argon2id hash.
    Column("partner_id", String(64), ForeignKey("partners.id"), primary_key=True),
    Column("key_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

retired_keys = Table(
    "retired_keys",
    metadata,
    # Signing keys a partner has replaced: refused from then on and never taken back, but kept,
    # so the signatures stored with its old batches can still be checked.
    Column("partner_id", String(64), ForeignKey("partners.id"), primary_key=True),
    Column("public_key", LargeBinary(32), primary_key=True),
    Column("retired_at", UTCDateTime, nullable=False),
)
