"""Alembic environment: runs on the connection handed in by `carbonledger.migrate`, or on the
configured database URL when Alembic is called from its own command line (then with the keys of
the configured data directory, which revisions that convert stored codes need)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from carbonledger.config import Settings
from carbonledger.db import make_engine
from carbonledger.keys import Keys
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
    settings = Settings()
    context.config.attributes.setdefault("keys", Keys.load(settings.secrets_dir))
    with make_engine(settings.url).connect() as conn:
        _run(conn)
        conn.commit()
