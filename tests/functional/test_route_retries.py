"""A route's write is run again when the database asks: a SQLite database whose writer lock is held
by another connection, and a PostgreSQL serialization failure (SQLSTATE 40001). Registration is
the route: before, it wrote once and answered 500 when the database was busy."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text

from carbonledger import db
from carbonledger.platform import Platform
from tests import factories
from tests.served import serve


@contextmanager
def _locked_out(platform: Platform, busy_ms: int, hold_after_refusal: float) -> Iterator[list[str]]:
    """Hold SQLite's writer lock from another connection, with the platform's busy timeout
    shortened to `busy_ms`; let go `hold_after_refusal` seconds after the platform's first
    "database is locked". Yields the refusals the platform met."""
    refusals: list[str] = []
    refused = threading.Event()

    def shorten(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={busy_ms}")

    def note(context: Any) -> None:
        if "database is locked" in str(context.original_exception):
            refusals.append(str(context.original_exception))
            refused.set()

    holder = sqlite3.connect(
        platform.engine.url.database or "", isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")

    def let_go() -> None:
        refused.wait(timeout=10)
        threading.Event().wait(hold_after_refusal)
        holder.execute("ROLLBACK")

    releaser = threading.Thread(target=let_go)
    event.listen(platform.engine, "checkout", shorten)
    event.listen(platform.engine, "handle_error", note)
    releaser.start()
    try:
        yield refusals
    finally:
        releaser.join()
        holder.close()
        event.remove(platform.engine, "checkout", shorten)
        event.remove(platform.engine, "handle_error", note)


def test_a_write_waits_out_a_busy_sqlite(sqlite_platform: Platform) -> None:
    with (
        serve(sqlite_platform, background=False) as url,
        _locked_out(sqlite_platform, 50, 0.2) as refusals,
    ):
        answer = factories.register(url)
    assert refusals, "the route never met the held lock"
    assert answer.status_code == 201, answer.text
    with db.read(sqlite_platform.engine) as conn:
        assert conn.execute(text("SELECT count(*) FROM citizens")).scalar_one() == 1


def test_a_write_is_run_again_after_a_postgresql_serialization_failure(
    pg_platform: Platform,
) -> None:
    # The database refuses the first insert of a citizen as a serialization failure; a sequence
    # counts the attempts (it is not rolled back with the transaction).
    with db.write(pg_platform.engine) as conn:
        conn.execute(text("CREATE SEQUENCE refuse_once"))
        conn.execute(
            text(
                """
                CREATE FUNCTION refuse_once() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF nextval('refuse_once') = 1 THEN
                        RAISE EXCEPTION 'could not serialize access'
                            USING ERRCODE = 'serialization_failure';
                    END IF;
                    RETURN NEW;
                END $$
                """
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER refuse_once BEFORE INSERT ON citizens "
                "FOR EACH ROW EXECUTE FUNCTION refuse_once()"
            )
        )
    try:
        with serve(pg_platform, background=False) as url:
            answer = factories.register(url)
        with db.read(pg_platform.engine) as conn:
            attempts = conn.execute(text("SELECT last_value FROM refuse_once")).scalar_one()
            citizens = conn.execute(text("SELECT count(*) FROM citizens")).scalar_one()
    finally:
        with db.write(pg_platform.engine) as conn:
            conn.execute(text("DROP TRIGGER refuse_once ON citizens"))
            conn.execute(text("DROP FUNCTION refuse_once()"))
            conn.execute(text("DROP SEQUENCE refuse_once"))
    assert answer.status_code == 201, answer.text
    assert attempts == 2
    assert citizens == 1
