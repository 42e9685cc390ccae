"""The migrations build exactly the schema the table modules declare, on SQLite and PostgreSQL:
a table, column, index or constraint added to one but not the other fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from carbonledger import db
from carbonledger.platform import Platform
from carbonledger.schema import metadata


def test_migrations_match_the_declared_tables(platform: Platform) -> None:
    with db.read(platform.engine) as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = [
            difference
            for difference in compare_metadata(context, metadata)
            if not (
                isinstance(difference, tuple)
                and difference[0] == "remove_table"
                and difference[1].name == "alembic_version"
            )
        ]
    assert differences == []
