"""The methodology versions operators publish (方法学版本发布) after the package's catalogue:
a new factor for a scenario from an effective date, with its status and provenance."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from carbonledger.db import UTCDateTime, metadata

methodology_versions = Table(
    "methodology_versions",
    metadata,
    Column("scenario", String(32), primary_key=True),
    Column("id", String(20), primary_key=True),
    Column("effective_from", Date, nullable=False),
    # Exactly one of the two, as in catalogue.toml: µg CO2e per unit, or the embodied rate (ppm).
    Column("factor_ug", BigInteger),
    Column("rate_ppm", BigInteger),
    Column("status", String(16), nullable=False),
    Column("provenance", Text, nullable=False),
    Column("derivation", Text),
    Column("published_by", String(64), nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('sourced', 'derived', 'provisional')", name="status"),
    # Two versions of a scenario in force from the same day would make the choice arbitrary.
    UniqueConstraint("scenario", "effective_from"),
)
