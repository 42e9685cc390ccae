"""The review queue (复核队列): credits flagged for a second look, and what the reviewer decided."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text

from carbonledger.db import UTCDateTime, metadata

review_flags = Table(
    "review_flags",
    metadata,
    Column("record_id", String(26), ForeignKey("records.id"), primary_key=True),
    # Comma-separated reasons (review.rules.REASONS): few, fixed, and always read together.
    Column("reasons", String(100), nullable=False),
    Column("detail", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("flagged_at", UTCDateTime, nullable=False),
    # The operator who flagged the record by hand; empty for the pipeline's own flags.
    Column("flagged_by", String(64)),
    Column("decided_at", UTCDateTime),
    Column("decided_by", String(64)),
    Column("note", Text),
    CheckConstraint("status IN ('open', 'reversed', 'kept')", name="status"),
    Index("ix_review_flags_status_flagged_at", "status", "flagged_at"),
)
