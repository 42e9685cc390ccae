"""Tables of point accounts and transfers. Balances are kept on the account row and checked by
the database: only accounts created with `allow_negative` (the city's issuance) may go below 0."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, Index, String, Table, Text

from carbonledger.db import UTCDateTime, metadata

point_accounts = Table(
    "point_accounts",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("allow_negative", Boolean, nullable=False),
    Column("balance", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("allow_negative OR balance >= 0", name="not_negative"),
)

transfers = Table(
    "transfers",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("idempotency_key", String(160), nullable=False, unique=True),
    Column("kind", String(24), nullable=False),
    Column("debit", String(80), nullable=False),
    Column("credit", String(80), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("leaf_index", BigInteger),
    Column("record_id", String(26)),
    Column("ref", String(80)),
    Column("memo", Text),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("amount > 0", name="positive"),
    CheckConstraint("debit <> credit", name="two_accounts"),
    Index("ix_transfers_debit", "debit"),
    Index("ix_transfers_credit", "credit"),
)

points_flow = Table(
    "points_flow",
    metadata,
    # Transfers summed per UTC hour and pair of account kinds (citizen → merchant, ...), written
    # with every posting, so the points flow of any period is read without scanning transfers.
    # Whole hours map exactly onto local days in every whole-hour time zone.
    Column("hour", UTCDateTime, primary_key=True),
    Column("debit_kind", String(16), primary_key=True),
    Column("credit_kind", String(16), primary_key=True),
    Column("transfers", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
)
