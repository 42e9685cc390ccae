"""hardening: login backoff, one partner per key, hashed link codes, points owed

Revision ID: 0010
Revises: 0009
"""

import hashlib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0010"
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


def _link_codes(length: int, stored: Callable[[str], str]) -> None:
    with op.batch_alter_table("link_codes") as batch:
        batch.alter_column("code", type_=sa.String(length=length))
    table = sa.table("link_codes", sa.column("code", sa.String()))
    conn = op.get_bind()
    for (code,) in list(conn.execute(sa.select(table.c.code))):
        conn.execute(table.update().where(table.c.code == code).values(code=stored(code)))


def upgrade() -> None:
    _login_failures("last_at")
    # Link codes are kept only as their SHA-256; the live ones stay usable.
    _link_codes(64, lambda code: hashlib.sha256(code.encode()).hexdigest())
    op.create_table(
        "point_debts",
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("owed", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("owed >= 0", name=op.f("ck_point_debts_owed_not_negative")),
        sa.PrimaryKeyConstraint("citizen_id", name=op.f("pk_point_debts")),
    )
    with op.batch_alter_table("partners") as batch:
        batch.create_unique_constraint(op.f("uq_partners_public_key"), ["public_key"])


def downgrade() -> None:
    op.drop_table("point_debts")
    with op.batch_alter_table("partners") as batch:
        batch.drop_constraint(op.f("uq_partners_public_key"), type_="unique")
    # A hash cannot be turned back into its code: the live codes end.
    op.execute("DELETE FROM link_codes")
    _link_codes(8, str)
    _login_failures("first_at")
