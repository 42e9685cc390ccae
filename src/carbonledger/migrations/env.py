"""Alembic environment: runs on the connection handed in by `carbonledger.migrate`, or on the
configured database URL when Alembic is called from its own command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from carbonledger.config import Settings
from carbonledger.db import make_engine
from carbonledger.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with make_engine(Settings().url).connect() as conn:
        _run(conn)
        conn.commit()
