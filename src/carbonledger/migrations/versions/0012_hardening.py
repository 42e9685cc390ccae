"""hardening: login failures counted with backoff, one partner per signing key

Revision ID: 0012
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _login_failures(moment: str) -> None:
    # Failures are short-lived counts; their keys change meaning, so the table starts empty.
    op.drop_table("login_failures")
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(moment, carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )


def upgrade() -> None:
    _login_failures("last_at")
    with op.batch_alter_table("partners") as batch:
        batch.create_unique_constraint(op.f("uq_partners_public_key"), ["public_key"])


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_constraint(op.f("uq_partners_public_key"), type_="unique")
    _login_failures("first_at")
