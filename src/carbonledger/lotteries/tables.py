"""Tables of lotteries, their prizes, entries, winners and the winners' prize vouchers. The seed
is kept encrypted until the draw reveals it; the public digests and the indexes of the three log
leaves sit on the lottery."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from carbonledger.db import UTCDateTime, metadata

lotteries = Table(
    "lotteries",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    # Credits of this scenario inside the window earn entries, at most `daily_entries` a day.
    Column("scenario", String(32)),
    Column("daily_entries", Integer, nullable=False),
    # Points per bought entry; NULL when entries are not for sale.
    Column("entry_price", BigInteger),
    Column("opens_at", UTCDateTime, nullable=False),
    Column("closes_at", UTCDateTime, nullable=False),
    Column("one_per_account", Boolean, nullable=False),
    Column("status", String(8), nullable=False),
    # AES-GCM under the data key until the draw; `seed` holds it once revealed.
    Column("seed_enc", LargeBinary, nullable=False),
    Column("seed", LargeBinary(32)),
    Column("commitment", String(64), nullable=False),
    Column("terms_digest", String(64), nullable=False),
    Column("entries_digest", String(64)),
    Column("commit_leaf", BigInteger, nullable=False),
    Column("close_leaf", BigInteger),
    Column("reveal_leaf", BigInteger),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("drawn_at", UTCDateTime),
    CheckConstraint("status IN ('open', 'closed', 'drawn')", name="status"),
    CheckConstraint("entry_price IS NULL OR entry_price > 0", name="price"),
    Index("ix_lotteries_status_closes_at", "status", "closes_at"),
)

lottery_prizes = Table(
    "lottery_prizes",
    metadata,
    Column("lottery_id", String(26), ForeignKey("lotteries.id"), primary_key=True),
    # The published order: it decides which winner gets which prize.
    Column("position", Integer, primary_key=True),
    Column("prize_id", String(80), nullable=False),
    Column("merchant_id", String(64), ForeignKey("partners.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity"),
)

lottery_entries = Table(
    "lottery_entries",
    metadata,
    Column("lottery_id", String(26), ForeignKey("lotteries.id"), primary_key=True),
    Column("entry_id", String(40), primary_key=True),
    Column("citizen_id", String(26), nullable=False),
    # The citizen's public pseudonym at the time of entry, as the entry list publishes it.
    Column("account", String(32), nullable=False),
    Column("source", String(8), nullable=False),
    Column("record_id", String(26)),
    # The idempotency key of the purchase that bought this entry.
    Column("purchase_key", String(160)),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("source IN ('earned', 'bought')", name="source"),
    Index("ix_lottery_entries_citizen", "citizen_id", "lottery_id"),
    Index("ix_lottery_entries_purchase_key", "purchase_key"),
)

lottery_winners = Table(
    "lottery_winners",
    metadata,
    Column("lottery_id", String(26), ForeignKey("lotteries.id"), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("prize_id", String(80), nullable=False),
    Column("entry_id", String(40), nullable=False),
    Column("account", String(32), nullable=False),
)

prize_vouchers = Table(
    "prize_vouchers",
    metadata,
    # A winner's prize, issued at the draw as a voucher the prize's merchant confirms.
    Column("lottery_id", String(26), ForeignKey("lotteries.id"), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("citizen_id", String(26), nullable=False),
    Column("merchant_id", String(64), nullable=False),
    Column("prize_id", String(80), nullable=False),
    Column("name", String(200), nullable=False),
    # Kept like a reward's voucher code (`rewards.vouchers`): keyed hash and encrypted.
    Column("voucher_hash", LargeBinary(32), nullable=False, unique=True),
    Column("voucher_enc", LargeBinary, nullable=False),
    Column("state", String(16), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime),
    CheckConstraint("state IN ('issued', 'confirmed')", name="state"),
    Index("ix_prize_vouchers_citizen", "citizen_id"),
)
