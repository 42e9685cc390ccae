"""Tables of signed batches, records with their results, and the dedupe state (滤重)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    false,
)

from carbonledger.db import UTCDateTime, metadata

batches = Table(
    "batches",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("partner_id", String(64), ForeignKey("partners.id"), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # The signed request as sent: with the partner's public key these prove who sent what.
    Column("timestamp", BigInteger, nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("body_sha256", LargeBinary(32), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("records", Integer, nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("partner_id", String(64), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("batch_id", String(26), nullable=False),
    Column("content_hash", LargeBinary(32), nullable=False),
    Column("partner_user", String(128)),
    Column("citizen_id", String(26)),
    Column("scenario", String(32)),
    Column("occurred_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("quantity_milli", BigInteger),
    Column("credited_milli", BigInteger),
    Column("embodied_mg", BigInteger),
    Column("region", String(6), nullable=False),
    Column("evidence_key", String(128)),
    Column("day", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(40)),
    Column("errors", Text),
    Column("duplicate_of", String(26)),
    Column("reduction_mg", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("methodology", String(48)),
    Column("leaf_index", BigInteger),
    Column("capped", Boolean, nullable=False),
    # The daily points cap took some of the award away (`capped` is the quantity cap of dedupe).
    Column("points_capped", Boolean, nullable=False, server_default=false()),
    Column("received_at", UTCDateTime, nullable=False),
    Column("credited_at", UTCDateTime),
    Index("uq_records_partner_external", "partner_id", "external_id", unique=True),
    Index("ix_records_citizen_day", "citizen_id", "day"),
    Index(
        "ix_records_pending",
        "partner_id",
        "partner_user",
        sqlite_where=Column("status") == "pending",
        postgresql_where=Column("status") == "pending",
    ),
    # Records no citizen was known for, by partner account: a citizen's ledger shows those of
    # the accounts they linked (rejected before the link was read).
    Index(
        "ix_records_unattributed",
        "partner_id",
        "partner_user",
        sqlite_where=Column("citizen_id").is_(None),
        postgresql_where=Column("citizen_id").is_(None),
    ),
)

trips = Table(
    "trips",
    metadata,
    Column("record_id", String(26), primary_key=True),
    Column("citizen_id", String(26), nullable=False),
    Column("dedupe_group", String(16), nullable=False),
    Column("scenario", String(32), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=False),
    Index("ix_trips_citizen_started", "citizen_id", "started_at"),
)

evidence_keys = Table(
    "evidence_keys",
    metadata,
    Column("scenario", String(32), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("record_id", String(26), nullable=False),
)

daily_usage = Table(
    "daily_usage",
    metadata,
    Column("citizen_id", String(26), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("scenario", String(32), primary_key=True),
    # Credited quantity so far (milli-units); for daily totals, the highest total credited.
    Column("used_milli", BigInteger, nullable=False),
    Column("last_record", String(26), nullable=False),
)

rollups = Table(
    "rollups",
    metadata,
    Column("day", Date, primary_key=True),
    Column("region", String(6), primary_key=True),
    Column("scenario", String(32), primary_key=True),
    Column("partner_id", String(64), primary_key=True),
    Column("accepted", BigInteger, nullable=False),
    Column("duplicate", BigInteger, nullable=False),
    Column("pending", BigInteger, nullable=False),
    Column("rejected", BigInteger, nullable=False),
    Column("reduction_mg", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
    # Distinct citizens credited under this key (rollup_citizens remembers who was counted).
    Column("citizens", BigInteger, nullable=False, server_default="0"),
)

rollup_citizens = Table(
    "rollup_citizens",
    metadata,
    Column("day", Date, primary_key=True),
    Column("region", String(6), primary_key=True),
    Column("scenario", String(32), primary_key=True),
    Column("partner_id", String(64), primary_key=True),
    Column("citizen_id", String(26), primary_key=True),
)

participants = Table(
    "participants",
    metadata,
    # A citizen who has been credited at least once; `first_day` is their first credit's day.
    Column("citizen_id", String(26), primary_key=True),
    Column("first_day", Date, nullable=False),
    Column("region", String(6), nullable=False),
)

participant_days = Table(
    "participant_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("region", String(6), primary_key=True),
    Column("joined", BigInteger, nullable=False),
)

reversals = Table(
    "reversals",
    metadata,
    Column("record_id", String(26), primary_key=True),
    Column("leaf_index", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("points_clawed_back", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
