"""points core: award rules, daily points, campaigns

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "award_rules",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("mg_per_point", sa.BigInteger(), nullable=False),
        sa.Column("daily_cap", sa.BigInteger(), nullable=True),
        sa.Column("set_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "daily_cap IS NULL OR daily_cap >= 0",
            name=op.f("ck_award_rules_daily_cap_not_negative"),
        ),
        sa.CheckConstraint("mg_per_point > 0", name=op.f("ck_award_rules_mg_per_point_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_rules")),
    )
    op.create_table(
        "citizen_day_points",
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("citizen_id", "day", name=op.f("pk_citizen_day_points")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=71), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("starts_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("multiplier_permille", sa.Integer(), nullable=False),
        sa.Column("scenarios", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("closed_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_campaigns_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index("ix_campaigns_status_ends_at", ["status", "ends_at"], unique=False)

    op.create_table(
        "expiry_runs",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("citizens", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("ran_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_expiry_runs")),
    )
    # Existing records were awarded before any daily points cap existed: none was cut.
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("points_capped", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("points_capped")
    op.drop_table("expiry_runs")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index("ix_campaigns_status_ends_at")

    op.drop_table("campaigns")
    op.drop_table("citizen_day_points")
    op.drop_table("award_rules")
