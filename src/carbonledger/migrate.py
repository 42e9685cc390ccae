"""Schema migrations (Alembic) run from code: the app, the CLI and the tests all build the schema
this way, on SQLite and PostgreSQL alike. A revision that converts stored secrets (0013 keys the
stored codes) reads the platform's keys from the Alembic config's attributes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from carbonledger.keys import Keys

_SCRIPTS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def upgrade(engine: Engine, keys: Keys, revision: str = "head") -> None:
    """Bring the database to `revision` (the newest by default)."""
    _run(engine, keys, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, keys: Keys, revision: str) -> None:
    """Take the database back to `revision`."""
    _run(engine, keys, lambda config: command.downgrade(config, revision))


def _run(engine: Engine, keys: Keys, step: Callable[[Config], None]) -> None:
    config = alembic_config()
    config.attributes["keys"] = keys
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a constraint by rebuilding the table; dropping a table that others
            # refer to fails while foreign keys are enforced, and enforcement can only be
            # switched outside a transaction. The rows are checked before the commit instead.
            _pragma(conn, "foreign_keys=OFF")
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                step(config)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the migration left rows that refer to missing rows")
        finally:
            if sqlite:
                _pragma(conn, "foreign_keys=ON")


def _pragma(conn: Connection, setting: str) -> None:
    # On the driver's connection: SQLAlchemy would open a transaction first.
    conn.connection.driver_connection.execute(f"PRAGMA {setting}")  # type: ignore[union-attr]
