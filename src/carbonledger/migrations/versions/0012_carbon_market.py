"""carbon market: lots, verifiers, registry

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "market_accounts",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('issuance', 'pool', 'buffer', 'retired', 'cancelled', 'enterprise', "
            "'organiser', 'citizen')",
            name=op.f("ck_market_accounts_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_accounts")),
    )
    op.create_table(
        "market_lots",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("city", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("scenarios", sa.Text(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("methodologies", sa.Text(), nullable=False),
        sa.Column("review_days", sa.Integer(), nullable=False),
        sa.Column("credits", sa.BigInteger(), nullable=False),
        sa.Column("total_mg", sa.BigInteger(), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=False),
        sa.Column("checkpoint_root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("leaves_digest", sa.String(length=64), nullable=False),
        sa.Column("unit_mg", sa.BigInteger(), nullable=False),
        sa.Column("buffer_bp", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("notice_ends", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("formed_by", sa.String(length=64), nullable=False),
        sa.Column("formed_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=True),
        sa.Column("buffer_units", sa.BigInteger(), nullable=True),
        sa.Column("issued_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("issued_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("status IN ('notice', 'issued')", name=op.f("ck_market_lots_status")),
        sa.CheckConstraint(
            "buffer_bp >= 0 AND buffer_bp < 10000", name=op.f("ck_market_lots_buffer")
        ),
        sa.CheckConstraint("unit_mg > 0", name=op.f("ck_market_lots_unit")),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_market_lots")),
    )
    op.create_table(
        "market_verifiers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_verifiers")),
        sa.UniqueConstraint("public_key", name=op.f("uq_market_verifiers_public_key")),
    )
    op.create_table(
        "market_holdings",
        sa.Column("lot", sa.Integer(), nullable=False),
        sa.Column("first", sa.BigInteger(), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("retirement", sa.String(length=26), nullable=True),
        sa.CheckConstraint('"last" >= "first"', name=op.f("ck_market_holdings_range")),
        sa.ForeignKeyConstraint(
            ["account"],
            ["market_accounts.id"],
            name=op.f("fk_market_holdings_account_market_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["lot"], ["market_lots.number"], name=op.f("fk_market_holdings_lot_market_lots")
        ),
        sa.PrimaryKeyConstraint("lot", "first", name=op.f("pk_market_holdings")),
    )
    with op.batch_alter_table("market_holdings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_market_holdings_account_lot_first", ["account", "lot", "first"], unique=False
        )

    op.create_table(
        "market_lot_credits",
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("lot", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=26), nullable=False),
        sa.Column("reduction_mg", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot"], ["market_lots.number"], name=op.f("fk_market_lot_credits_lot_market_lots")
        ),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_market_lot_credits")),
        sa.UniqueConstraint("record_id", name=op.f("uq_market_lot_credits_record_id")),
    )
    with op.batch_alter_table("market_lot_credits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_market_lot_credits_lot_leaf_index", ["lot", "leaf_index"], unique=False
        )

    op.create_table(
        "market_moves",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("lot", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("debit", sa.String(length=80), nullable=False),
        sa.Column("credit", sa.String(length=80), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("ranges", sa.Text(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=True),
        sa.Column("funds", sa.String(length=120), nullable=True),
        sa.Column("ref", sa.String(length=26), nullable=True),
        sa.Column("at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('issue', 'buffer', 'transfer', 'retire', 'cancel')",
            name=op.f("ck_market_moves_kind"),
        ),
        sa.CheckConstraint(
            "price_fen IS NULL OR price_fen >= 0", name=op.f("ck_market_moves_price")
        ),
        sa.CheckConstraint("units > 0", name=op.f("ck_market_moves_units")),
        sa.ForeignKeyConstraint(
            ["lot"], ["market_lots.number"], name=op.f("fk_market_moves_lot_market_lots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_moves")),
    )
    with op.batch_alter_table("market_moves", schema=None) as batch_op:
        batch_op.create_index("ix_market_moves_lot", ["lot"], unique=False)

    op.create_table(
        "market_objections",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("lot", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filed_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lot"], ["market_lots.number"], name=op.f("fk_market_objections_lot_market_lots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_objections")),
    )
    with op.batch_alter_table("market_objections", schema=None) as batch_op:
        batch_op.create_index("ix_market_objections_lot", ["lot"], unique=False)

    op.create_table(
        "market_retirements",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("lot", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("ranges", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("beneficiary", sa.Text(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("retired_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot"], ["market_lots.number"], name=op.f("fk_market_retirements_lot_market_lots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_retirements")),
        sa.UniqueConstraint("leaf_index", name=op.f("uq_market_retirements_leaf_index")),
    )
    op.create_table(
        "market_signatures",
        sa.Column("lot", sa.Integer(), nullable=False),
        sa.Column("verifier", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("signed_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot"], ["market_lots.number"], name=op.f("fk_market_signatures_lot_market_lots")
        ),
        sa.ForeignKeyConstraint(
            ["verifier"],
            ["market_verifiers.id"],
            name=op.f("fk_market_signatures_verifier_market_verifiers"),
        ),
        sa.PrimaryKeyConstraint("lot", "verifier", name=op.f("pk_market_signatures")),
    )
    op.create_table(
        "market_cover",
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("lot", sa.Integer(), nullable=False),
        sa.Column("reduction_mg", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("short", sa.BigInteger(), nullable=False),
        sa.Column("covered_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["leaf_index"],
            ["market_lot_credits.leaf_index"],
            name=op.f("fk_market_cover_leaf_index_market_lot_credits"),
        ),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_market_cover")),
    )


def downgrade() -> None:
    op.drop_table("market_cover")
    op.drop_table("market_signatures")
    op.drop_table("market_retirements")
    with op.batch_alter_table("market_objections", schema=None) as batch_op:
        batch_op.drop_index("ix_market_objections_lot")

    op.drop_table("market_objections")
    with op.batch_alter_table("market_moves", schema=None) as batch_op:
        batch_op.drop_index("ix_market_moves_lot")

    op.drop_table("market_moves")
    with op.batch_alter_table("market_lot_credits", schema=None) as batch_op:
        batch_op.drop_index("ix_market_lot_credits_lot_leaf_index")

    op.drop_table("market_lot_credits")
    with op.batch_alter_table("market_holdings", schema=None) as batch_op:
        batch_op.drop_index("ix_market_holdings_account_lot_first")

    op.drop_table("market_holdings")
    op.drop_table("market_verifiers")
    op.drop_table("market_lots")
    op.drop_table("market_accounts")
