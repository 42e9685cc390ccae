"""lotteries: entries, prizes and draws

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lotteries",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("scenario", sa.String(length=32), nullable=True),
        sa.Column("daily_entries", sa.Integer(), nullable=False),
        sa.Column("entry_price", sa.BigInteger(), nullable=True),
        sa.Column("opens_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("one_per_account", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("seed_enc", sa.LargeBinary(), nullable=False),
        sa.Column("seed", sa.LargeBinary(length=32), nullable=True),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("terms_digest", sa.String(length=64), nullable=False),
        sa.Column("entries_digest", sa.String(length=64), nullable=True),
        sa.Column("commit_leaf", sa.BigInteger(), nullable=False),
        sa.Column("close_leaf", sa.BigInteger(), nullable=True),
        sa.Column("reveal_leaf", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("drawn_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'closed', 'drawn')", name=op.f("ck_lotteries_status")
        ),
        sa.CheckConstraint(
            "entry_price IS NULL OR entry_price > 0", name=op.f("ck_lotteries_price")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lotteries")),
    )
    with op.batch_alter_table("lotteries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lotteries_status_closes_at", ["status", "closes_at"], unique=False
        )

    op.create_table(
        "lottery_prizes",
        sa.Column("lottery_id", sa.String(length=26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prize_id", sa.String(length=80), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_lottery_prizes_quantity")),
        sa.ForeignKeyConstraint(
            ["lottery_id"],
            ["lotteries.id"],
            name=op.f("fk_lottery_prizes_lottery_id_lotteries"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["partners.id"],
            name=op.f("fk_lottery_prizes_merchant_id_partners"),
        ),
        sa.PrimaryKeyConstraint("lottery_id", "position", name=op.f("pk_lottery_prizes")),
    )
    op.create_table(
        "lottery_entries",
        sa.Column("lottery_id", sa.String(length=26), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.String(length=26), nullable=True),
        sa.Column("purchase_key", sa.String(length=160), nullable=True),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('earned', 'bought')", name=op.f("ck_lottery_entries_source")
        ),
        sa.ForeignKeyConstraint(
            ["lottery_id"],
            ["lotteries.id"],
            name=op.f("fk_lottery_entries_lottery_id_lotteries"),
        ),
        sa.PrimaryKeyConstraint("lottery_id", "entry_id", name=op.f("pk_lottery_entries")),
    )
    with op.batch_alter_table("lottery_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lottery_entries_citizen", ["citizen_id", "lottery_id"], unique=False
        )
        batch_op.create_index("ix_lottery_entries_purchase_key", ["purchase_key"], unique=False)

    op.create_table(
        "lottery_winners",
        sa.Column("lottery_id", sa.String(length=26), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("prize_id", sa.String(length=80), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["lottery_id"],
            ["lotteries.id"],
            name=op.f("fk_lottery_winners_lottery_id_lotteries"),
        ),
        sa.PrimaryKeyConstraint("lottery_id", "slot", name=op.f("pk_lottery_winners")),
    )


def downgrade() -> None:
    op.drop_table("lottery_winners")
    with op.batch_alter_table("lottery_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_lottery_entries_purchase_key")
        batch_op.drop_index("ix_lottery_entries_citizen")

    op.drop_table("lottery_entries")
    op.drop_table("lottery_prizes")
    with op.batch_alter_table("lotteries", schema=None) as batch_op:
        batch_op.drop_index("ix_lotteries_status_closes_at")

    op.drop_table("lotteries")
