"""Tables of public-welfare projects and the donations to them. A project row keeps its progress
(points raised, units funded, donors), updated in the donation's transaction, so the public list
reads one row per project."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from carbonledger.db import UTCDateTime, metadata

projects = Table(
    "projects",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("unit_zh", String(32), nullable=False),
    Column("unit_en", String(32), nullable=False),
    Column("points_per_unit", BigInteger, nullable=False),
    Column("goal_points", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("raised_points", BigInteger, nullable=False),
    Column("units_funded", BigInteger, nullable=False),
    Column("donors", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(64)),
    CheckConstraint("kind IN ('tree_planting', 'fish_release', 'river_cleanup')", name="kind"),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
    CheckConstraint("points_per_unit > 0", name="unit_price"),
    CheckConstraint("raised_points >= 0 AND raised_points <= goal_points", name="progress"),
)

donations = Table(
    "donations",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("project_id", String(26), ForeignKey("projects.id"), nullable=False),
    Column("citizen_id", String(26), ForeignKey("citizens.id"), nullable=False),
    # The citizen's client key: a retried request finds its donation instead of making another.
    Column("client_key", String(64), nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("citizen_id", "client_key"),
    CheckConstraint("units > 0 AND points > 0", name="positive"),
    Index("ix_donations_citizen_id_project_id", "citizen_id", "project_id"),
)
