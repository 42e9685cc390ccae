"""SQLite writers take turns (`db.WriterTurn`): one at a time across threads and processes, the
turn released however the transaction ends, and a turn that cannot be had in time falls back to
SQLite's own wait instead of hanging."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from carbonledger import db


def _turn_is_free(path: Path) -> bool:
    """Whether another open file description could take the turn's lock now."""
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True


def _engine(tmp_path: Path) -> Engine:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with db.write(engine) as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    return engine


def _add_one(engine: Engine) -> None:
    with db.write(engine) as conn:
        n = conn.execute(text("SELECT n FROM counter")).scalar_one()
        conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})


def _add_many(url: str, times: int) -> None:
    engine = db.make_engine(url)
    for _ in range(times):
        _add_one(engine)
    engine.dispose()


def test_the_turn_is_held_for_the_transaction_and_released_after_an_error(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path)
    lock = tmp_path / "turns.db-writer"
    with db.write(engine):
        assert not _turn_is_free(lock)
    assert _turn_is_free(lock)
    held_then = []

    def failing() -> None:
        with db.write(engine):
            held_then.append(not _turn_is_free(lock))
            raise RuntimeError("work failed")

    with pytest.raises(RuntimeError):
        failing()
    assert held_then == [True]
    assert _turn_is_free(lock)
    # Reads never take the turn.
    with db.read(engine):
        assert _turn_is_free(lock)
    engine.dispose()


def test_writers_in_threads_and_processes_never_lose_an_update(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    url = str(engine.url)
    context = multiprocessing.get_context("spawn")
    others = [context.Process(target=_add_many, args=(url, 40)) for _ in range(2)]
    threads = [threading.Thread(target=lambda: [_add_one(engine) for _ in range(40)])]
    threads.append(threading.Thread(target=lambda: [_add_one(engine) for _ in range(40)]))
    for worker in [*others, *threads]:
        worker.start()
    for thread in threads:
        thread.join()
    for process in others:
        process.join()
        assert process.exitcode == 0
    with db.read(engine) as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 160
    engine.dispose()


def test_a_turn_not_had_in_time_falls_back_to_the_database_wait(tmp_path: Path) -> None:
    lock = tmp_path / "held-writer"
    db.private_file(lock)
    holder = os.open(lock, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        turn = db.WriterTurn(lock, timeout=0.05)
        with turn.held():
            entered = True
        assert entered
        assert not _turn_is_free(lock)  # the other holder still has it
    finally:
        os.close(holder)
    turn = db.WriterTurn(lock, timeout=0.05)
    with turn.held():
        assert not _turn_is_free(lock)
    assert _turn_is_free(lock)


def test_the_log_is_copied_back_by_the_checkpointer_not_by_the_writer(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    file = db.sqlite_file(engine)
    assert file is not None
    assert file.checkpointer.idle(timeout=5)
    for _ in range(5):
        _add_one(engine)
    # `immutable` reads the database file alone, without the log: the writes are there only
    # once a checkpoint copied them back, which a writer does itself only past 64 MiB of log.
    assert file.checkpointer.idle(timeout=5)
    plain = sqlite3.connect(f"file:{tmp_path / 'turns.db'}?immutable=1", uri=True)
    try:
        assert plain.execute("SELECT n FROM counter").fetchone() == (5,)
    finally:
        plain.close()
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
    assert pages == 16_384
    engine.dispose()


def _checkpoint_threads(database: Path) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"sqlite-checkpoint {database}"]


def test_a_closed_engine_leaves_no_checkpoint_behind(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    _add_one(engine)
    assert _checkpoint_threads(tmp_path / "turns.db")  # a checkpoint is due
    db.close(engine)
    # Ended by the close itself, not some moments later: a thread still running while the
    # interpreter shuts down can crash the process on its way out.
    assert _checkpoint_threads(tmp_path / "turns.db") == []
    for name in ("turns.db", "turns.db-wal", "turns.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    file = db.sqlite_file(engine)
    assert file is not None
    assert file.checkpointer.idle(timeout=5)
    assert not (tmp_path / "turns.db").exists()
