"""partner portal: staff access keys and retired signing keys

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_keys",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_portal_keys_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_portal_keys")),
    )
    op.create_table(
        "retired_keys",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("retired_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_retired_keys_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("partner_id", "public_key", name=op.f("pk_retired_keys")),
    )


def downgrade() -> None:
    op.drop_table("retired_keys")
    op.drop_table("portal_keys")
