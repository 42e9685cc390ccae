"""Database engines for SQLite (the embedded default, WAL) and PostgreSQL, the shared metadata,
and the transaction scopes that entry points own.

A write transaction on SQLite starts with `BEGIN IMMEDIATE`, so it holds the single writer lock
from its first statement and never fails half-way on a lock upgrade; on PostgreSQL the sequencer
takes a row lock on the log state instead (see translog.sequencer).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

T = TypeVar("T")

# PostgreSQL asks for a retry with these SQLSTATEs; SQLite says "database is locked".
_RETRY_SQLSTATES = {"40001", "40P01"}
# The server went away or is no longer the primary: connection failures (08…), shutdowns and
# recovery (57P…), a write on a server that became a standby (25006).
_GONE_SQLSTATE_PREFIXES = ("08", "57P", "25006")
_WRITE = "carbonledger_write"


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, *, pool: bool = True) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout and IMMEDIATE writes."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    # No server-side prepared statements: a generic plan for a batch-sized IN list makes
    # PostgreSQL scan whole tables; a custom plan per batch uses the indexes.
    # Parameters stay out of error messages: they may carry a citizen's data into the logs.
    kwargs: dict[str, Any] = {
        "pool_pre_ping": True,
        "hide_parameters": True,
        "connect_args": {"prepare_threshold": None},
    }
    if not pool:
        kwargs.pop("pool_pre_ping")
        kwargs["poolclass"] = NullPool
    engine = create_engine(url, **kwargs)
    event.listen(engine, "handle_error", _forget_lost_server)
    return engine


def _forget_lost_server(context: Any) -> None:
    # A pooled connection to a server that was demoted still answers pings; treating its
    # refusal as a disconnect makes the pool reconnect, and the multi-host URL then finds the
    # new primary.
    if _server_gone(context.original_exception):
        context.is_disconnect = True


def _server_gone(error: BaseException | None) -> bool:
    sqlstate = getattr(error, "sqlstate", None) or ""
    return sqlstate.startswith(_GONE_SQLSTATE_PREFIXES)


def is_unavailable(error: DBAPIError) -> bool:
    """Whether the database could not be reached or is not writable just now (a failover):
    the request changed nothing and may be sent again."""
    if error.connection_invalidated or _server_gone(error.orig):
        return True
    # psycopg reports a failed connection attempt as OperationalError without a SQLSTATE.
    kind = type(error.orig)
    return (
        kind.__module__.startswith("psycopg")
        and kind.__name__ == "OperationalError"
        and not getattr(error.orig, "sqlstate", None)
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not the driver, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode keeps every committed transaction across a process crash.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: committed on success, rolled back on any error."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction: one consistent snapshot, never holding the writer lock."""
    with engine.connect() as conn, conn.begin():
        yield conn


def is_retryable(error: DBAPIError) -> bool:
    """Whether the database asked us to run the transaction again."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate in _RETRY_SQLSTATES:
        return True
    return "database is locked" in str(error.orig)


def retrying(engine: Engine, work: Callable[[Connection], T], attempts: int = 5) -> T:
    """Run `work` in a write transaction, again when the database reports a serialization
    failure or deadlock (its own advice), with a short backoff."""
    for attempt in range(1, attempts + 1):
        try:
            with write(engine) as conn:
                return work(conn)
        except DBAPIError as error:
            if attempt == attempts or not is_retryable(error):
                raise
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


def _insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql_insert(table)
    return sqlite_insert(table)


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows whose key is not there yet."""
    if rows:
        conn.execute(_insert(conn, table).on_conflict_do_nothing(), rows)


def insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Insert the rows whose key is not there yet; return the keys of those inserted."""
    if not rows:
        return []
    key = list(table.primary_key.columns)
    statement = _insert(conn, table).on_conflict_do_nothing().returning(*key)
    return list(conn.execute(statement, list(rows)))


def insert_if_new(conn: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert one row unless its key exists; True when it was inserted."""
    # RETURNING, not rowcount: drivers do not all report a row count for ON CONFLICT inserts.
    key = list(table.primary_key.columns)
    statement = _insert(conn, table).on_conflict_do_nothing().returning(*key)
    return conn.execute(statement, row).first() is not None


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    add: Sequence[str] = (),
    replace: Sequence[str] = (),
) -> None:
    """Insert each row, or where its key exists, add the `add` columns to the stored values and
    overwrite the `replace` columns."""
    if not rows:
        return
    statement = _insert(conn, table)
    changes = {name: table.c[name] + statement.excluded[name] for name in add}
    changes.update({name: statement.excluded[name] for name in replace})
    conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes), rows)
