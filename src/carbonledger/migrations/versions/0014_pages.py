"""records by partner account when no citizen is known

Revision ID: 0014
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_records_unattributed",
        "records",
        ["partner_id", "partner_user"],
        unique=False,
        sqlite_where=sa.text("citizen_id IS NULL"),
        postgresql_where=sa.text("citizen_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_records_unattributed",
        table_name="records",
        sqlite_where=sa.text("citizen_id IS NULL"),
        postgresql_where=sa.text("citizen_id IS NULL"),
    )
