"""Tables of the market: lots and their credits, objections, verifiers and their signatures,
registry accounts, the serial ranges each holds, unit movements, retirements and the buffer's
cover for credits reversed after issue."""

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
    Text,
)

from carbonledger.db import UTCDateTime, metadata

market_lots = Table(
    "market_lots",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("city", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    # Comma-separated codes, sorted: few, and always read together.
    Column("scenarios", Text, nullable=False),
    Column("regions", Text, nullable=False),
    Column("methodologies", Text, nullable=False),
    Column("review_days", Integer, nullable=False),
    Column("credits", BigInteger, nullable=False),
    Column("total_mg", BigInteger, nullable=False),
    Column("checkpoint_size", BigInteger, nullable=False),
    Column("checkpoint_root", LargeBinary(32), nullable=False),
    Column("leaves_digest", String(64), nullable=False),
    Column("unit_mg", BigInteger, nullable=False),
    Column("buffer_bp", Integer, nullable=False),
    Column("status", String(8), nullable=False),
    Column("notice_ends", UTCDateTime, nullable=False),
    Column("formed_by", String(64), nullable=False),
    Column("formed_at", UTCDateTime, nullable=False),
    Column("units", BigInteger),
    Column("buffer_units", BigInteger),
    Column("issued_at", UTCDateTime),
    Column("issued_by", String(64)),
    CheckConstraint("status IN ('notice', 'issued')", name="status"),
    CheckConstraint("unit_mg > 0", name="unit"),
    CheckConstraint("buffer_bp >= 0 AND buffer_bp < 10000", name="buffer"),
)

market_lot_credits = Table(
    "market_lot_credits",
    metadata,
    # The key is the credit's leaf: the database itself keeps a credit in one lot, ever.
    Column("leaf_index", BigInteger, primary_key=True),
    Column("lot", Integer, ForeignKey("market_lots.number"), nullable=False),
    Column("record_id", String(26), nullable=False, unique=True),
    Column("reduction_mg", BigInteger, nullable=False),
    Index("ix_market_lot_credits_lot_leaf_index", "lot", "leaf_index"),
)

market_objections = Table(
    "market_objections",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("lot", Integer, ForeignKey("market_lots.number"), nullable=False),
    Column("text", Text, nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    Column("answer", Text),
    Column("answered_by", String(64)),
    Column("answered_at", UTCDateTime),
    Index("ix_market_objections_lot", "lot"),
)

market_verifiers = Table(
    "market_verifiers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("public_key", LargeBinary(32), nullable=False, unique=True),
    Column("registered_by", String(64), nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
)

market_signatures = Table(
    "market_signatures",
    metadata,
    Column("lot", Integer, ForeignKey("market_lots.number"), primary_key=True),
    Column("verifier", String(64), ForeignKey("market_verifiers.id"), primary_key=True),
    Column("signature", LargeBinary(64), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
)

market_accounts = Table(
    "market_accounts",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint(
        "kind IN ('issuance', 'pool', 'buffer', 'retired', 'cancelled', 'enterprise', "
        "'organiser', 'citizen')",
        name="kind",
    ),
)

market_holdings = Table(
    "market_holdings",
    metadata,
    # The serial ranges of every issued lot, each held by one account; they never overlap,
    # because a range is only ever split or moved, and (lot, first) is the key.
    Column("lot", Integer, ForeignKey("market_lots.number"), primary_key=True),
    Column("first", BigInteger, primary_key=True),
    Column("last", BigInteger, nullable=False),
    Column("account", String(80), ForeignKey("market_accounts.id"), nullable=False),
    Column("retirement", String(26)),
    CheckConstraint('"last" >= "first"', name="range"),
    Index("ix_market_holdings_account_lot_first", "account", "lot", "first"),
)

market_moves = Table(
    "market_moves",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("lot", Integer, ForeignKey("market_lots.number"), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("debit", String(80), nullable=False),
    Column("credit", String(80), nullable=False),
    Column("units", BigInteger, nullable=False),
    # The serial ranges moved, as `first-last` separated by commas.
    Column("ranges", Text, nullable=False),
    Column("price_fen", BigInteger),
    Column("funds", String(120)),
    Column("ref", String(26)),
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint("units > 0", name="units"),
    CheckConstraint("price_fen IS NULL OR price_fen >= 0", name="price"),
    CheckConstraint("kind IN ('issue', 'buffer', 'transfer', 'retire', 'cancel')", name="kind"),
    Index("ix_market_moves_lot", "lot"),
)

market_retirements = Table(
    "market_retirements",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("lot", Integer, ForeignKey("market_lots.number"), nullable=False),
    Column("account", String(80), nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("ranges", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("beneficiary", Text, nullable=False),
    Column("leaf_index", BigInteger, nullable=False, unique=True),
    Column("retired_at", UTCDateTime, nullable=False),
)

market_cover = Table(
    "market_cover",
    metadata,
    # A credit of an issued lot that was reversed, and the units cancelled to cover it.
    Column("leaf_index", BigInteger, ForeignKey("market_lot_credits.leaf_index"), primary_key=True),
    Column("lot", Integer, nullable=False),
    Column("reduction_mg", BigInteger, nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("short", BigInteger, nullable=False),
    Column("covered_at", UTCDateTime, nullable=False),
)
