"""rewards and redemptions

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rewards",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.BigInteger(), nullable=False),
        sa.Column("per_citizen_limit", sa.Integer(), nullable=True),
        sa.Column("valid_from", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price > 0", name=op.f("ck_rewards_price")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_rewards_stock")),
        sa.CheckConstraint(
            "per_citizen_limit IS NULL OR per_citizen_limit > 0", name=op.f("ck_rewards_limit")
        ),
        sa.CheckConstraint("valid_from < valid_until", name=op.f("ck_rewards_validity")),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'withdrawn')", name=op.f("ck_rewards_status")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_rewards_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rewards_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "redemptions",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("reward_id", sa.String(length=26), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("voucher_code", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("void_reason", sa.String(length=16), nullable=True),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_day", sa.Date(), nullable=True),
        sa.Column("voided_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("points > 0", name=op.f("ck_redemptions_points")),
        sa.CheckConstraint(
            "state IN ('reserved', 'confirmed', 'voided')", name=op.f("ck_redemptions_state")
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_redemptions_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"], ["rewards.id"], name=op.f("fk_redemptions_reward_id_rewards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
        sa.UniqueConstraint(
            "citizen_id",
            "idempotency_key",
            name=op.f("uq_redemptions_citizen_id_idempotency_key"),
        ),
        sa.UniqueConstraint("voucher_code", name=op.f("uq_redemptions_voucher_code")),
    )
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_redemptions_partner_id_confirmed_day", ["partner_id", "confirmed_day"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_redemptions_reward_id"), ["reward_id"], unique=False)
        batch_op.create_index(
            "ix_redemptions_state_expires_at", ["state", "expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_index("ix_redemptions_state_expires_at")
        batch_op.drop_index(batch_op.f("ix_redemptions_reward_id"))
        batch_op.drop_index("ix_redemptions_partner_id_confirmed_day")

    op.drop_table("redemptions")
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rewards_partner_id"))

    op.drop_table("rewards")
