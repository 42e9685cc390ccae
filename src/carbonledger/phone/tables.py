"""Codes sent to phones (only keyed hashes of the number and the code are kept) and the phones
citizens verified with one."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, LargeBinary, String, Table

from carbonledger.db import UTCDateTime, metadata

phone_codes = Table(
    "phone_codes",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("phone_hash", LargeBinary(32), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("code_hash", LargeBinary(32), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("used_at", UTCDateTime),
    Index("ix_phone_codes_phone", "phone_hash", "purpose", "sent_at"),
)

verified_phones = Table(
    "verified_phones",
    metadata,
    Column("citizen_id", String(26), primary_key=True),
    # The number verified: a citizen whose number changes is unverified again.
    Column("phone_hash", LargeBinary(32), nullable=False),
    Column("verified_at", UTCDateTime, nullable=False),
)
