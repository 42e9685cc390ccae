"""Tables of point accounts and transfers, the operator's award rules and campaigns, and the
points each citizen was awarded per local day (for the daily cap). Balances are kept on the
account row and checked by the database: only accounts created with `allow_negative` (the city's
issuance) may go below 0."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
)

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
    # A credit's award and its clawback count in the hour of the behaviour, like its grams in
    # the rollups; every other transfer in the hour it was posted.
    # Whole hours map exactly onto local days in every whole-hour time zone.
    Column("hour", UTCDateTime, primary_key=True),
    Column("debit_kind", String(16), primary_key=True),
    Column("credit_kind", String(16), primary_key=True),
    Column("transfers", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
)

award_rules = Table(
    "award_rules",
    metadata,
    # A ULID: versions sort by the time they were set; the newest applies.
    Column("id", String(26), primary_key=True),
    Column("mg_per_point", BigInteger, nullable=False),
    Column("daily_cap", BigInteger),
    Column("set_at", UTCDateTime, nullable=False),
    Column("set_by", String(64), nullable=False),
    CheckConstraint("mg_per_point > 0", name="mg_per_point_positive"),
    CheckConstraint("daily_cap IS NULL OR daily_cap >= 0", name="daily_cap_not_negative"),
)

citizen_day_points = Table(
    "citizen_day_points",
    metadata,
    Column("citizen_id", String(26), primary_key=True),
    Column("day", Date, primary_key=True),
    # Credit points (base and campaign bonuses) awarded for credits of this local day.
    Column("points", BigInteger, nullable=False),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", String(71), primary_key=True),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("multiplier_permille", Integer, nullable=False),
    # Filters as space-separated codes; empty matches anything.
    Column("scenarios", Text, nullable=False),
    Column("categories", Text, nullable=False),
    Column("regions", Text, nullable=False),
    # Points funded so far (the first budget and every top-up); what is left is the balance of
    # the campaign's account.
    Column("budget", BigInteger, nullable=False),
    Column("status", String(8), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("closed_at", UTCDateTime),
    Column("closed_by", String(64)),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
    Index("ix_campaigns_status_ends_at", "status", "ends_at"),
)

expiry_runs = Table(
    "expiry_runs",
    metadata,
    # One row per local day the expiry job ran, so the server's workers run it once a day.
    Column("day", Date, primary_key=True),
    Column("citizens", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("ran_at", UTCDateTime, nullable=False),
)

point_debts = Table(
    "point_debts",
    metadata,
    # What reversals could not take back because the citizen had spent it: owed, and taken from
    # the citizen's later awards until nothing is owed.
    Column("citizen_id", String(26), primary_key=True),
    Column("owed", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("owed >= 0", name="owed_not_negative"),
)
