"""Appeals against records, one per record, with the reviewer's answer."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, String, Table, Text

from carbonledger.db import UTCDateTime, metadata

appeals = Table(
    "appeals",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("record_id", String(26), nullable=False, unique=True),
    Column("citizen_id", String(26), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(8), nullable=False),
    Column("answer", Text),
    Column("answered_by", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime),
    CheckConstraint("status IN ('open', 'upheld', 'denied')", name="status"),
    Index("ix_appeals_citizen", "citizen_id"),
    Index("ix_appeals_status", "status", "created_at"),
)
