"""methodology versions, review queue, pending partners

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _partner_statuses(statuses: str) -> None:
    # On SQLite this rebuilds the table (migrate.upgrade lifts foreign keys for it).
    with op.batch_alter_table("partners", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_partners_status"), type_="check")
        batch.create_check_constraint(op.f("ck_partners_status"), f"status IN ({statuses})")


def upgrade() -> None:
    op.create_table(
        "methodology_versions",
        sa.Column("scenario", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("factor_ug", sa.BigInteger(), nullable=True),
        sa.Column("rate_ppm", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=False),
        sa.Column("derivation", sa.Text(), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('sourced', 'derived', 'provisional')",
            name=op.f("ck_methodology_versions_status"),
        ),
        sa.PrimaryKeyConstraint("scenario", "id", name=op.f("pk_methodology_versions")),
        sa.UniqueConstraint(
            "scenario",
            "effective_from",
            name=op.f("uq_methodology_versions_scenario_effective_from"),
        ),
    )
    op.create_table(
        "review_flags",
        sa.Column("record_id", sa.String(length=26), nullable=False),
        sa.Column("reasons", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("flagged_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("flagged_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'reversed', 'kept')", name=op.f("ck_review_flags_status")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_review_flags_record_id_records")
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_review_flags")),
    )
    op.create_index(
        "ix_review_flags_status_flagged_at", "review_flags", ["status", "flagged_at"], unique=False
    )
    _partner_statuses("'pending', 'active', 'suspended'")


def downgrade() -> None:
    op.execute("UPDATE partners SET status = 'suspended' WHERE status = 'pending'")
    _partner_statuses("'active', 'suspended'")
    op.drop_index("ix_review_flags_status_flagged_at", table_name="review_flags")
    op.drop_table("review_flags")
    op.drop_table("methodology_versions")
