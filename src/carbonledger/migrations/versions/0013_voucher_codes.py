"""voucher codes kept as keyed hash and ciphertext; link and attendance codes keyed

Revision ID: 0013
Revises: 0012

Voucher codes are bearer secrets and were stored in plain text; link and attendance codes were
stored as their bare SHA-256, which anyone holding a copy of the table reverses by trying every
8-character code. This revision converts the stored rows, so it needs the platform's keys:
`carbonledger.migrate` hands them in (`config.attributes["keys"]`), as does `env.py` when Alembic
is run from its own command line (the keys of `CARBONLEDGER_DATA_DIR`).

The hashes and purposes are written out here rather than imported, so that this revision keeps
doing what it did when later code changes; they equal `rewards.vouchers`, the accounts service's
`link_code_digest` and `points.engagement.hash_attendance_code` as of this revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from carbonledger.accounts.protection import decrypt, encrypt, keyed_hash
from carbonledger.keys import Keys

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VOUCHER_TABLES = ("redemptions", "prize_vouchers")
_VOUCHER = "voucher_code"  # the purpose of a voucher code's keyed hash and of its encryption
_LINK = "link_code"
_ATTENDANCE = "attendance_code"


def _keys() -> Keys:
    config = op.get_context().config
    keys = config.attributes.get("keys") if config is not None else None
    if not isinstance(keys, Keys):
        raise RuntimeError(
            "revision 0013 converts stored codes with the platform's keys: run it with "
            "`carbonledger db upgrade`, or with alembic and CARBONLEDGER_DATA_DIR set"
        )
    return keys


def _voucher_columns(name: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("voucher_code", sa.String()),
        sa.column("voucher_hash", sa.LargeBinary()),
        sa.column("voucher_enc", sa.LargeBinary()),
    )


def _hide_vouchers(name: str, keys: Keys) -> None:
    with op.batch_alter_table(name) as batch:
        batch.add_column(sa.Column("voucher_hash", sa.LargeBinary(length=32), nullable=True))
        batch.add_column(sa.Column("voucher_enc", sa.LargeBinary(), nullable=True))
    table = _voucher_columns(name)
    conn = op.get_bind()
    codes = list(conn.execute(sa.select(table.c.voucher_code)).scalars())
    if codes:
        conn.execute(
            table.update()
            .where(table.c.voucher_code == sa.bindparam("code"))
            .values(voucher_hash=sa.bindparam("hashed"), voucher_enc=sa.bindparam("sealed")),
            [
                {
                    "code": code,
                    "hashed": keyed_hash(keys.hash_key, _VOUCHER, code),
                    "sealed": encrypt(keys.data_key, code, _VOUCHER),
                }
                for code in codes
            ],
        )
    with op.batch_alter_table(name) as batch:
        batch.alter_column("voucher_hash", existing_type=sa.LargeBinary(32), nullable=False)
        batch.alter_column("voucher_enc", existing_type=sa.LargeBinary(), nullable=False)
        batch.create_unique_constraint(op.f(f"uq_{name}_voucher_hash"), ["voucher_hash"])
        batch.drop_constraint(op.f(f"uq_{name}_voucher_code"), type_="unique")
        batch.drop_column("voucher_code")


def _show_vouchers(name: str, keys: Keys) -> None:
    with op.batch_alter_table(name) as batch:
        batch.add_column(sa.Column("voucher_code", sa.String(length=16), nullable=True))
    table = _voucher_columns(name)
    conn = op.get_bind()
    sealed = list(conn.execute(sa.select(table.c.voucher_hash, table.c.voucher_enc)))
    if sealed:
        conn.execute(
            table.update()
            .where(table.c.voucher_hash == sa.bindparam("hashed"))
            .values(voucher_code=sa.bindparam("code")),
            [
                {"hashed": hashed, "code": decrypt(keys.data_key, bytes(enc), _VOUCHER)}
                for hashed, enc in sealed
            ],
        )
    with op.batch_alter_table(name) as batch:
        batch.alter_column("voucher_code", existing_type=sa.String(16), nullable=False)
        batch.create_unique_constraint(op.f(f"uq_{name}_voucher_code"), ["voucher_code"])
        batch.drop_constraint(op.f(f"uq_{name}_voucher_hash"), type_="unique")
        batch.drop_column("voucher_enc")
        batch.drop_column("voucher_hash")


def _key_digests(keys: Keys, name: str, column: str, purpose: str, as_hex: bool) -> None:
    """Replace each stored SHA-256 by the keyed hash of its hex (`protection.keyed_digest`)."""
    kind = sa.String() if as_hex else sa.LargeBinary()
    table = sa.table(name, sa.column(column, kind))
    conn = op.get_bind()
    for stored in list(conn.execute(sa.select(table.c[column])).scalars()):
        digest = stored if as_hex else bytes(stored).hex()
        keyed = keyed_hash(keys.hash_key, purpose, digest)
        conn.execute(
            table.update()
            .where(table.c[column] == stored)
            .values({column: keyed.hex() if as_hex else keyed})
        )


def upgrade() -> None:
    keys = _keys()
    for name in _VOUCHER_TABLES:
        _hide_vouchers(name, keys)
    _key_digests(keys, "link_codes", "code", _LINK, as_hex=True)
    _key_digests(keys, "events", "attendance_code_hash", _ATTENDANCE, as_hex=False)


def downgrade() -> None:
    keys = _keys()
    for name in _VOUCHER_TABLES:
        _show_vouchers(name, keys)
    # A keyed hash cannot be turned back into the SHA-256 it was made of: the link codes in
    # force end (they last minutes, and the citizen asks for a new one), and the attendance codes
    # of events created before the downgrade no longer match.
    op.execute("DELETE FROM link_codes")
