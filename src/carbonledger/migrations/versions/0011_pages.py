"""records by partner account when no citizen is known; codes sent to phones; appeals;
lottery prizes as vouchers;
merchants' new rewards wait for approval

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _reward_statuses(statuses: str) -> None:
    # On SQLite this rebuilds the table (migrate.upgrade lifts foreign keys for it).
    with op.batch_alter_table("rewards", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_rewards_status"), type_="check")
        batch.create_check_constraint(op.f("ck_rewards_status"), f"status IN ({statuses})")


def upgrade() -> None:
    _reward_statuses("'pending', 'active', 'suspended', 'withdrawn'")
    op.create_table(
        "prize_vouchers",
        sa.Column("lottery_id", sa.String(length=26), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("prize_id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("voucher_code", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("issued_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('issued', 'confirmed')", name=op.f("ck_prize_vouchers_state")
        ),
        sa.ForeignKeyConstraint(
            ["lottery_id"], ["lotteries.id"], name=op.f("fk_prize_vouchers_lottery_id_lotteries")
        ),
        sa.PrimaryKeyConstraint("lottery_id", "slot", name=op.f("pk_prize_vouchers")),
        sa.UniqueConstraint("voucher_code", name=op.f("uq_prize_vouchers_voucher_code")),
    )
    op.create_index("ix_prize_vouchers_citizen", "prize_vouchers", ["citizen_id"], unique=False)
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("record_id", sa.String(length=26), nullable=False),
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'upheld', 'denied')", name=op.f("ck_appeals_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("record_id", name=op.f("uq_appeals_record_id")),
    )
    op.create_index("ix_appeals_citizen", "appeals", ["citizen_id"], unique=False)
    op.create_index("ix_appeals_status", "appeals", ["status", "created_at"], unique=False)
    op.create_table(
        "phone_codes",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("phone_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sent_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_codes")),
    )
    op.create_index(
        "ix_phone_codes_phone", "phone_codes", ["phone_hash", "purpose", "sent_at"], unique=False
    )
    op.create_table(
        "verified_phones",
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("phone_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("verified_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("citizen_id", name=op.f("pk_verified_phones")),
    )
    op.create_index(
        "ix_records_unattributed",
        "records",
        ["partner_id", "partner_user"],
        unique=False,
        sqlite_where=sa.text("citizen_id IS NULL"),
        postgresql_where=sa.text("citizen_id IS NULL"),
    )


def downgrade() -> None:
    _reward_statuses("'active', 'suspended', 'withdrawn'")
    op.drop_index("ix_prize_vouchers_citizen", table_name="prize_vouchers")
    op.drop_table("prize_vouchers")
    op.drop_index("ix_appeals_status", table_name="appeals")
    op.drop_index("ix_appeals_citizen", table_name="appeals")
    op.drop_table("appeals")
    op.drop_table("verified_phones")
    op.drop_index("ix_phone_codes_phone", table_name="phone_codes")
    op.drop_table("phone_codes")
    op.drop_index(
        "ix_records_unattributed",
        table_name="records",
        sqlite_where=sa.text("citizen_id IS NULL"),
        postgresql_where=sa.text("citizen_id IS NULL"),
    )
