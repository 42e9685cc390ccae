"""ledger rollups: distinct citizens per rollup key, participants, points flow by hour

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rollups") as batch:
        batch.add_column(sa.Column("citizens", sa.BigInteger(), server_default="0", nullable=False))
    op.create_table(
        "rollup_citizens",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("scenario", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "region",
            "scenario",
            "partner_id",
            "citizen_id",
            name=op.f("pk_rollup_citizens"),
        ),
    )
    op.create_table(
        "participants",
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.PrimaryKeyConstraint("citizen_id", name=op.f("pk_participants")),
    )
    op.create_table(
        "participant_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("joined", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "region", name=op.f("pk_participant_days")),
    )
    op.create_table(
        "points_flow",
        sa.Column("hour", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("debit_kind", sa.String(length=16), nullable=False),
        sa.Column("credit_kind", sa.String(length=16), nullable=False),
        sa.Column("transfers", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "debit_kind", "credit_kind", name=op.f("pk_points_flow")),
    )


def downgrade() -> None:
    op.drop_table("points_flow")
    op.drop_table("participant_days")
    op.drop_table("participants")
    op.drop_table("rollup_citizens")
    with op.batch_alter_table("rollups") as batch:
        batch.drop_column("citizens")
