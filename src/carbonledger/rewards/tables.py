"""Tables of rewards and redemptions. The CHECK on `rewards.stock` is the last guard that the
last item goes to one citizen only; the unique voucher hash and the unique (citizen,
idempotency key) are the database's word on uniqueness. A voucher code is a bearer secret, kept
only as its keyed hash and encrypted (`rewards.vouchers`)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from carbonledger.db import UTCDateTime, metadata

rewards = Table(
    "rewards",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("partner_id", String(64), ForeignKey("partners.id"), nullable=False, index=True),
    Column("kind", String(24), nullable=False),
    Column("name_zh", String(100), nullable=False),
    Column("name_en", String(100), nullable=False),
    Column("price", BigInteger, nullable=False),
    Column("stock", BigInteger, nullable=False),
    Column("per_citizen_limit", Integer),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("valid_until", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("price > 0", name="price"),
    CheckConstraint("stock >= 0", name="stock"),
    CheckConstraint("per_citizen_limit IS NULL OR per_citizen_limit > 0", name="limit"),
    CheckConstraint("valid_from < valid_until", name="validity"),
    CheckConstraint("status IN ('pending', 'active', 'suspended', 'withdrawn')", name="status"),
)

redemptions = Table(
    "redemptions",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("reward_id", String(26), ForeignKey("rewards.id"), nullable=False, index=True),
    # The reward's merchant, kept on the row: vouchers and settlement are looked up by it.
    Column("partner_id", String(64), nullable=False),
    Column("citizen_id", String(26), ForeignKey("citizens.id"), nullable=False),
    Column("idempotency_key", String(64), nullable=False),
    # The voucher code's keyed hash, which a till looks it up by, and the code encrypted.
    Column("voucher_hash", LargeBinary(32), nullable=False, unique=True),
    Column("voucher_enc", LargeBinary, nullable=False),
    # The price when redeemed: a later price change does not touch held vouchers.
    Column("points", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Column("void_reason", String(16)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime),
    Column("confirmed_day", Date),
    Column("voided_at", UTCDateTime),
    CheckConstraint("points > 0", name="points"),
    CheckConstraint("state IN ('reserved', 'confirmed', 'voided')", name="state"),
    UniqueConstraint("citizen_id", "idempotency_key"),
    Index("ix_redemptions_state_expires_at", "state", "expires_at"),
    Index("ix_redemptions_partner_id_confirmed_day", "partner_id", "confirmed_day"),
)
