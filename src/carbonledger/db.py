"""Database engines for SQLite (the embedded default, WAL) and PostgreSQL, the shared metadata,
and the transaction scopes that entry points own.

A write transaction on SQLite starts with `BEGIN IMMEDIATE`, so it holds the single writer lock
from its first statement and never fails half-way on a lock upgrade; before it, the writer waits
for its turn (`WriterTurn`), which passes to the next waiting writer, in this process or another,
the moment the holder commits. On PostgreSQL the sequencer takes a row lock on the log state
instead (see translog.sequencer).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    MetaData,
    Table,
    create_engine,
    event,
    make_url,
)
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
K = TypeVar("K")

# PostgreSQL asks for a retry with these SQLSTATEs; SQLite says "database is locked".
_RETRY_SQLSTATES = {"40001", "40P01"}
# The server went away or is no longer the primary: connection failures (08…), shutdowns and
# recovery (57P…), a write on a server that became a standby (25006).
_GONE_SQLSTATE_PREFIXES = ("08", "57P", "25006")
WRITE_OPTION = "carbonledger_write"
_OWN_CHECKPOINT_PAGES = 16_384


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


def private_file(path: Path) -> None:
    """Create `path` if it is missing, readable and writable by its owner only (a database or
    backup holds personal data); an existing file is made so. An existing file is never opened:
    closing any descriptor of a SQLite file drops every lock this process holds on it."""
    if not path.exists():
        with suppress(FileExistsError):  # another process made it meanwhile
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    path.chmod(0o600)


def _private_sqlite_files(url: str) -> None:
    # SQLite makes its -wal and -shm files with the database file's permissions.
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    private_file(Path(name))
    for suffix in ("-wal", "-shm"):
        if Path(name + suffix).exists():
            Path(name + suffix).chmod(0o600)


def make_engine(url: str, *, pool: bool = True) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout and IMMEDIATE writes, and are
    readable by their owner only."""
    if url.startswith("sqlite"):
        _private_sqlite_files(url)
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
        # The log is copied back by the Checkpointer's thread; a writer does it itself only
        # past 64 MiB of log, and the log file is cut back to that size after a checkpoint.
        cursor.execute(f"PRAGMA wal_autocheckpoint={_OWN_CHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={_OWN_CHECKPOINT_PAGES * 4096}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class WriterTurn:
    """One writer at a time on a SQLite file, across threads and processes, handed over as soon
    as the holder's transaction ends: SQLite's own busy handler makes a waiting writer sleep
    between tries (up to 100 ms each), so a writer that just committed would often start its
    next transaction before a waiting one woke. A thread lock orders this process's writers;
    an advisory lock on `<database>-writer` orders the processes, tried every half millisecond.
    A writer that cannot get its turn within `timeout` goes on to SQLite's own wait, which
    reports a locked database as before."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._thread = threading.Lock()
        self._file: tuple[int, int] | None = None  # (process id, descriptor)

    def _descriptor(self) -> int:
        if self._file is None or self._file[0] != os.getpid():
            private_file(self.path)
            self._file = (os.getpid(), os.open(self.path, os.O_RDWR))
        return self._file[1]

    def _take_file(self, deadline: float) -> int | None:
        descriptor = self._descriptor()
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return descriptor
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.0005)

    @contextmanager
    def held(self) -> Iterator[None]:
        deadline = time.monotonic() + self.timeout
        if not self._thread.acquire(timeout=self.timeout):
            yield
            return
        try:
            descriptor = self._take_file(deadline)
            try:
                yield
            finally:
                if descriptor is not None:
                    fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            self._thread.release()


class Checkpointer:
    """Copies a SQLite file's write-ahead log back into the database on a thread of its own,
    shortly after writes commit, so a committing writer does not: left to SQLite, the commit
    that fills the log past its limit copies it back and syncs the file while it still holds
    the writer lock (about a tenth of a batch's time). The thread runs while writes come and
    ends when they stop; it opens the file only if it exists, and `stop` (on closing the
    platform) waits for a checkpoint under way. PASSIVE never blocks readers or writers; the
    writer's own automatic checkpoint, at a much larger log, remains the safety net."""

    def __init__(self, path: str, interval: float = 0.2) -> None:
        self.path = path
        self.interval = interval
        self._guard = threading.Lock()
        self._due = False
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()  # the running thread's

    def committed(self) -> None:
        """A write transaction committed: checkpoint within `interval`."""
        with self._guard:
            self._due = True
            if self._thread is None:
                self._stopping = threading.Event()
                self._thread = threading.Thread(
                    target=self._run,
                    args=(self._stopping,),
                    name=f"sqlite-checkpoint {self.path}",
                    daemon=True,
                )
                self._thread.start()

    def stop(self) -> None:
        """Drop the checkpoint due and end the thread, after a checkpoint under way, so that
        no thread of ours runs on while the interpreter shuts down. A later commit starts a
        new one."""
        with self._guard:
            thread, self._thread, self._due = self._thread, None, False
            self._stopping.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def idle(self, timeout: float) -> bool:
        """Wait until no checkpoint is due or running; False if still busy after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._guard:
                if self._thread is None:
                    return True
            time.sleep(0.01)
        return False

    def _run(self, stopping: threading.Event) -> None:
        # Wait a moment to let the commits of the next moments gather; end when stopped.
        while not stopping.wait(self.interval):
            with self._guard:
                if stopping.is_set():
                    return
                if not self._due:
                    self._thread = None
                    return
                self._due = False
            self._checkpoint()

    def _checkpoint(self) -> None:
        # A checkpoint missed now is made by the next one, or by a writer past the limit.
        with suppress(sqlite3.Error):
            conn = sqlite3.connect(f"file:{quote(self.path)}?mode=rw", uri=True, timeout=5)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()


class _SQLiteFile:
    """What this process keeps for one SQLite database file: its writers' turn and its
    checkpoints."""

    def __init__(self, name: str) -> None:
        self.turn = WriterTurn(Path(name + "-writer"))
        self.checkpointer = Checkpointer(name)


_files: dict[str, _SQLiteFile] = {}
_files_guard = threading.Lock()


def sqlite_file(engine: Engine) -> _SQLiteFile | None:
    """The writer turn and checkpointer of a SQLite file engine (one per file in this
    process), else None."""
    name = engine.url.database
    if engine.dialect.name != "sqlite" or not name or name.startswith((":memory:", "file:")):
        return None
    with _files_guard:
        found = _files.get(name)
        if found is None:
            found = _files[name] = _SQLiteFile(name)
        return found


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: committed on success, rolled back on any error."""
    file = sqlite_file(engine)
    if file is None:
        with _transaction(engine) as conn:
            yield conn
        return
    with file.turn.held(), _transaction(engine) as conn:
        yield conn
    file.checkpointer.committed()


def close(engine: Engine) -> None:
    """Close the engine's connections, after any checkpoint under way on its SQLite file."""
    file = sqlite_file(engine)
    if file is not None:
        file.checkpointer.stop()
    engine.dispose()


@contextmanager
def _transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
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


# Writing rows. Every helper below runs one statement for all its rows at the driver level,
# with the values turned into the database's own storage form once per row (the converters are
# built once per table and dialect): the hot path's cost stays the database's, not the toolkit's.


# Instants already converted: a batch's rows share `now`, and a record's times reach the
# records, trips and points rows alike. Only instants at a fixed offset (UTC, or the offset a
# partner sent) are kept: equal ones are the same instant whatever their offset, with the one
# UTC text; two times of a zone with daylight saving that differ only in `fold` compare equal
# but are an hour apart, so those are converted every time. Cleared when full; dict operations
# are atomic across threads.
_instants: dict[datetime, str] = {}
# A batch's rows fall on a few dozen local days: each is spelled once too.
_days: dict[date, str] = {}
_SPELLINGS_KEPT = 16_384


def _spelled(kept: dict[K, str], value: K, spell: Callable[[K], str]) -> str:
    """`spell(value)`, from `kept` when it was spelled before; `kept` is cleared when full."""
    text = kept.get(value)
    if text is None:
        if len(kept) >= _SPELLINGS_KEPT:
            kept.clear()
        text = kept[value] = spell(value)
    return text


def _utc_text(value: datetime) -> str:
    # "YYYY-MM-DD HH:MM:SS.ffffff", cut before "+00:00" (cheaper than a naive copy).
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def _sqlite_instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    if type(value.tzinfo) is not timezone:
        if value.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        return _utc_text(value)
    return _spelled(_instants, value, _utc_text)


def _sqlite_day(value: date | None) -> str | None:
    return None if value is None else _spelled(_days, value, date.isoformat)


def _sqlite_flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return value


def _same(value: Any) -> Any:
    return value


def _converter(dialect: str, column: Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _sqlite_instant if dialect == "sqlite" else _aware
    if dialect == "sqlite" and isinstance(kind, Date):
        return _sqlite_day
    if dialect == "sqlite" and isinstance(kind, Boolean):
        return _sqlite_flag
    return _same


def _tuple_function(
    items: Sequence[tuple[str, Callable[[Any], Any] | None]],
) -> Callable[[Any], tuple[Any, ...]]:
    """`lambda row: (...)` of each (item of the row, converter or None) in turn, compiled once
    so that a row costs one call, not one per column."""
    scope: dict[str, Any] = {}
    parts = []
    for number, (item, convert) in enumerate(items):
        if convert is None:
            parts.append(f"row[{item}]")
        else:
            scope[f"c{number}"] = convert
            parts.append(f"c{number}(row[{item}])")
    function: Callable[[Any], tuple[Any, ...]] = eval(  # noqa: S307 (items from metadata)
        f"lambda row: ({', '.join(parts)},)", scope
    )
    return function


@lru_cache(maxsize=512)
def _row_maker(
    dialect: str, table: Table, names: tuple[str, ...]
) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function from a row dict to its tuple of stored values, in `names` order, calling a
    converter only for the columns that need one (compiled once per table and columns)."""
    converters = [_converter(dialect, table.c[name]) for name in names]
    return _tuple_function(
        [(repr(name), None if c is _same else c) for name, c in zip(names, converters, strict=True)]
    )


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _statement(conn: Connection, table: Table, names: tuple[str, ...], rows: int = 1) -> str:
    mark = parameter_mark(conn)
    one = "(" + ", ".join([mark] * len(names)) + ")"
    # Table and column names come from the metadata, values only ever from parameters.
    columns, values = _quoted(names), ", ".join([one] * rows)
    return f'INSERT INTO "{table.name}" ({columns}) VALUES {values}'  # noqa: S608


def _stored_rows(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    names = tuple(rows[0])
    make = _row_maker(conn.dialect.name, table, names)
    return names, [make(row) for row in rows]


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    tail: str = "",
    *,
    keys_distinct: bool = True,
) -> None:
    """Insert the rows (dicts with the same keys) with one statement: on SQLite one prepared
    statement run for each row; on PostgreSQL, whose cost is per statement, one COPY, or with
    a `tail` (ON CONFLICT …) one INSERT of all the rows given as one array per column, unless
    `keys_distinct` is False, for a DO UPDATE that may meet one key twice (one statement
    cannot)."""
    if not rows:
        return
    names, values = _stored_rows(conn, table, rows)
    if conn.dialect.name == "sqlite" or not keys_distinct:
        conn.exec_driver_sql(_statement(conn, table, names) + tail, values)
    elif tail:
        conn.exec_driver_sql(_arrays_statement(conn, table, names) + tail, _arrays(values))
    else:
        copy_rows(conn, table, names, values)


def copy_rows(
    conn: Connection, table: Table, names: tuple[str, ...], values: Sequence[tuple[Any, ...]]
) -> None:
    """PostgreSQL's COPY of rows already in storage form, in the caller's transaction."""
    statement = f'COPY "{table.name}" ({_quoted(names)}) FROM STDIN'
    with _driver_cursor(conn, statement) as cursor, cursor.copy(statement) as copy:
        for row in values:
            copy.write_row(row)


@lru_cache(maxsize=512)
def _array_types(dialect: Dialect, table: Table, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{table.c[name].type.compile(dialect=dialect)}[]" for name in names)


def _arrays_statement(conn: Connection, table: Table, names: tuple[str, ...]) -> str:
    """A PostgreSQL INSERT of rows given as one array parameter per column."""
    arrays = ", ".join(f"%s::{kind}" for kind in _array_types(conn.dialect, table, names))
    return f'INSERT INTO "{table.name}" ({_quoted(names)}) SELECT * FROM unnest({arrays})'  # noqa: S608


def _arrays(values: Sequence[tuple[Any, ...]]) -> tuple[list[Any], ...]:
    return tuple(list(column) for column in zip(*values, strict=True))


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows whose key is not there yet."""
    insert_rows(conn, table, rows, " ON CONFLICT DO NOTHING")


# SQLite takes at most 32,766 parameters in one statement.
_MAX_PARAMETERS = 32_000


def insert_new(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """Insert the rows whose key is not there yet; return the primary keys of those inserted,
    as tuples in the key's column order."""
    if not rows:
        return []
    names, values = _stored_rows(conn, table, rows)
    key = tuple(column.name for column in table.primary_key.columns)
    tail = f" ON CONFLICT DO NOTHING RETURNING {_quoted(key)}"
    found: list[tuple[Any, ...]] = []
    if conn.dialect.name == "sqlite":
        per_statement = max(_MAX_PARAMETERS // len(names), 1)
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            flat = tuple(value for row in chunk for value in row)
            statement = _statement(conn, table, names, len(chunk)) + tail
            found += [tuple(row) for row in conn.exec_driver_sql(statement, flat)]
    else:
        statement = _arrays_statement(conn, table, names) + tail
        found = [tuple(row) for row in conn.exec_driver_sql(statement, _arrays(values))]
    return _in_python_form(conn, table, key, found)


def update_rows(conn: Connection, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """Update each row (dicts with the same keys) where `key` equals its `key` value, with one
    statement."""
    if not rows:
        return
    names, values = _stored_rows(conn, table, rows)
    mark = parameter_mark(conn)
    changed = [name for name in names if name != key]
    sets = ", ".join(f'"{name}" = {mark}' for name in changed)
    order = [names.index(name) for name in changed] + [names.index(key)]
    conn.exec_driver_sql(
        f'UPDATE "{table.name}" SET {sets} WHERE "{key}" = {mark}',  # noqa: S608
        [tuple(row[i] for i in order) for row in values],
    )


def add_to_rows(
    conn: Connection, table: Table, key: str, column: str, changes: Sequence[tuple[Any, int]]
) -> int:
    """Add each (key value, amount) of `changes` (distinct keys), in key order, to `column` of
    the row with that key; return how many rows changed. Rows are locked in key order, so
    that transactions changing the same rows never wait on each other in a circle: on
    PostgreSQL one statement locks them through an ordered SELECT … FOR UPDATE and changes
    them."""
    changes = sorted(changes)
    if not changes:
        return 0
    if conn.dialect.name == "sqlite":
        sql = f'UPDATE "{table.name}" SET "{column}" = "{column}" + ? WHERE "{key}" = ?'  # noqa: S608
        return conn.exec_driver_sql(sql, [(amount, k) for k, amount in changes]).rowcount
    keys, amounts = [k for k, _ in changes], [amount for _, amount in changes]
    kind = table.c[key].type.compile(dialect=conn.dialect)
    # The subquery locks the rows as its sorted rows come out (FOR UPDATE above the sort),
    # then the UPDATE changes them: one statement, rows locked in key order.
    return conn.exec_driver_sql(
        f'UPDATE "{table.name}" AS t SET "{column}" = t."{column}" + c.amount '  # noqa: S608
        f'FROM (SELECT a."{key}" AS key, u.amount FROM unnest(%s::{kind}[], %s::bigint[]) '
        f'AS u (key, amount) JOIN "{table.name}" AS a ON a."{key}" = u.key '
        f'ORDER BY a."{key}" FOR UPDATE OF a) AS c WHERE t."{key}" = c.key',
        (keys, amounts),
    ).rowcount


def stored_instant(conn: Connection, value: datetime) -> Any:
    """An instant in the database's storage form, for a driver-level statement's parameter."""
    return _sqlite_instant(value) if conn.dialect.name == "sqlite" else _aware(value)


def read_instant(value: Any) -> datetime:
    """An instant read by a driver-level statement, timezone-aware in UTC."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parameter_mark(conn: Connection) -> str:
    """The driver's placeholder for a positional parameter."""
    return "?" if conn.dialect.name == "sqlite" else "%s"


# Reading rows on the hot path: one driver-level SELECT, its rows as plain tuples in the
# Python form the toolkit would give (instants aware in UTC, days as dates, flags as bools).


def _read_instant(value: Any) -> datetime | None:
    return None if value is None else read_instant(value)


def _read_day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _read_flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _reader(dialect: str, column: Column[Any]) -> Callable[[Any], Any] | None:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _read_instant
    if dialect == "sqlite" and isinstance(kind, Date):
        return _read_day
    if dialect == "sqlite" and isinstance(kind, Boolean):
        return _read_flag
    return None


@lru_cache(maxsize=512)
def _key_maker(
    dialect: str, table: Table, names: tuple[str, ...]
) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A function from a tuple of `names` values to their stored form."""
    converters = [_converter(dialect, table.c[name]) for name in names]
    return _tuple_function([(str(i), None if c is _same else c) for i, c in enumerate(converters)])


@lru_cache(maxsize=512)
def _row_reader(
    dialect: str, table: Table, names: tuple[str, ...]
) -> Callable[[tuple[Any, ...]], tuple[Any, ...]] | None:
    """A function from a fetched tuple to its Python values, or None when none needs one."""
    readers = [_reader(dialect, table.c[name]) for name in names]
    if not any(readers):
        return None
    return _tuple_function([(str(number), read) for number, read in enumerate(readers)])


def _in_python_form(
    conn: Connection, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Fetched rows of `names` columns with their values in Python form."""
    read = _row_reader(conn.dialect.name, table, tuple(names))
    return rows if read is None else [read(row) for row in rows]


def fetch(conn: Connection, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of a driver-level query, as the driver gives them, read in the caller's
    transaction."""
    with _driver_cursor(conn, sql) as cursor:
        cursor.execute(sql, tuple(parameters))
        return list(cursor.fetchall())


@contextmanager
def _driver_cursor(conn: Connection, statement: str) -> Iterator[Any]:
    """A cursor of the driver's own, in the caller's transaction, whose errors reach the caller
    as the toolkit's would: wrapped in its `DBAPIError` classes (so retries and 503s see them)
    and, for a lost server, with the connection invalidated."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except dbapi.Error as error:
        gone = _server_gone(error) or conn.dialect.is_disconnect(
            error, conn.connection.dbapi_connection, cursor
        )
        if gone:
            conn.invalidate()
        raise DBAPIError.instance(
            statement, None, error, dbapi.Error, connection_invalidated=gone, dialect=conn.dialect
        ) from error
    finally:
        with suppress(dbapi.Error):
            cursor.close()


def select_in(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    within: dict[str, Collection[Any]],
    equal: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """The `names` columns of the rows whose columns equal `equal` and whose `within` columns
    each hold one of the values given, with the values in storage form and the rows in Python
    form: on SQLite one driver-level statement per 32,000 values of the first `within` column,
    on PostgreSQL one statement with an array a column."""
    dialect, mark = conn.dialect.name, parameter_mark(conn)
    equal = equal or {}
    if any(not values for values in within.values()):
        return []

    def stored(name: str, values: Collection[Any]) -> list[Any]:
        convert = _converter(dialect, table.c[name])
        return list(values) if convert is _same else [convert(v) for v in values]

    fixed = [(f'"{name}" = {mark}', stored(name, [value])) for name, value in equal.items()]
    lists = [(name, stored(name, set(values))) for name, values in within.items()]
    head = f'SELECT {_quoted(names)} FROM "{table.name}" WHERE '  # noqa: S608
    first_name, first_list = lists[0]
    if dialect == "postgresql":
        # One array a column: the same short statement whatever the count. Each value of the
        # first is looked up on its own (LATERAL, kept apart by OFFSET 0) in the index that
        # serves it: as one `= ANY` the planner may read every row of the `equal` columns, a
        # partner's whole history, and filter.
        kinds = _array_types(conn.dialect, table, tuple(within))
        clauses = [c for c, _ in fixed] + [f'"{table.name}"."{first_name}" = w.value']
        pairs = zip(lists[1:], kinds[1:], strict=True)
        clauses += [f'"{name}" = ANY(%s::{kind})' for (name, _), kind in pairs]
        parameters = [first_list] + [v for _, values in fixed for v in values]
        parameters += [v for _, v in lists[1:]]
        columns = ", ".join(f't."{name}"' for name in names)
        # Names from the metadata, values only ever from parameters.
        statement = f"SELECT {columns} FROM unnest(%s::{kinds[0]}) AS w (value) "  # noqa: S608
        statement += f"CROSS JOIN LATERAL ({head}{' AND '.join(clauses)} OFFSET 0) AS t"
        return _in_python_form(conn, table, names, fetch(conn, statement, parameters))
    first, first_values = lists[0]
    others = [(f'"{n}" IN ({", ".join([mark] * len(v))})', v) for n, v in lists[1:]]
    found: list[tuple[Any, ...]] = []
    step = max(_MAX_PARAMETERS - sum(len(v) for _, v in others) - len(fixed), 1)
    for start in range(0, len(first_values), step):
        chunk = first_values[start : start + step]
        clauses = [c for c, _ in fixed] + [f'"{first}" IN ({", ".join([mark] * len(chunk))})']
        clauses += [c for c, _ in others]
        parameters = [v for _, values in fixed for v in values] + chunk
        parameters += [v for _, values in others for v in values]
        found += fetch(conn, head + " AND ".join(clauses), parameters)
    return _in_python_form(conn, table, names, found)


def select_keys(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    keys: Sequence[str],
    wanted: Collection[tuple[Any, ...]],
) -> list[tuple[Any, ...]]:
    """The `names` columns of the rows whose `keys` columns hold one of the `wanted` tuples
    (say, (citizen, day) pairs): the tuples joined to the table as a list of values, so that
    only those rows are read, by the index that starts with `keys`."""
    dialect, mark = conn.dialect.name, parameter_mark(conn)
    store = _key_maker(dialect, table, tuple(keys))
    stored = [store(item) for item in set(wanted)]
    if not stored:
        return []
    joined = " AND ".join(f't."{key}" = w."{key}"' for key in keys)
    columns = ", ".join(f't."{name}"' for name in names)
    found: list[tuple[Any, ...]] = []
    if dialect == "postgresql":
        # One array a key column: the statement's text stays the same whatever the count,
        # so PostgreSQL neither parses nor plans a list of thousands of values.
        # LATERAL, kept apart by OFFSET 0, makes each wanted tuple one look-up in the index
        # that starts with `keys`: joined as a whole, the planner may read the whole table.
        kinds = _array_types(conn.dialect, table, tuple(keys))
        arrays = ", ".join(f"%s::{kind}" for kind in kinds)
        matching = " AND ".join(f'"{table.name}"."{key}" = w."{key}"' for key in keys)
        found = fetch(
            conn,
            f"SELECT {columns} FROM unnest({arrays}) AS w ({_quoted(keys)}) "  # noqa: S608
            f'CROSS JOIN LATERAL (SELECT {_quoted(names)} FROM "{table.name}" '
            f"WHERE {matching} OFFSET 0) AS t",
            _arrays(stored),
        )
        return _in_python_form(conn, table, names, found)
    one = "(" + ", ".join([mark] * len(keys)) + ")"
    step = _MAX_PARAMETERS // len(keys)
    for start in range(0, len(stored), step):
        chunk = stored[start : start + step]
        found += fetch(
            conn,
            f"WITH w ({_quoted(keys)}) AS (VALUES {', '.join([one] * len(chunk))}) "  # noqa: S608
            f'SELECT {columns} FROM w JOIN "{table.name}" t ON {joined}',
            [value for item in chunk for value in item],
        )
    return _in_python_form(conn, table, names, found)


def insert_if_new(conn: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert one row unless its key exists; True when it was inserted."""
    return bool(insert_new(conn, table, [row]))


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
    changes = [f'"{name}" = "{table.name}"."{name}" + excluded."{name}"' for name in add]
    changes += [f'"{name}" = excluded."{name}"' for name in replace]
    tail = f" ON CONFLICT ({_quoted(keys)}) DO UPDATE SET {', '.join(changes)}"
    distinct = conn.dialect.name == "sqlite" or len(
        {tuple(row[key] for key in keys) for row in rows}
    ) == len(rows)
    insert_rows(conn, table, rows, tail, keys_distinct=distinct)
