"""The sequencer: the one writer that appends leaves to the log, inside the transaction of the
entry point that credits them.

`lock` serialises every crediting transaction: on PostgreSQL by a row lock on the log state, on
SQLite by the writer lock that `BEGIN IMMEDIATE` already holds. Because the dedupe check and the
append happen under this lock, two partners reporting the same trip can never both win.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.engine import Connection

from carbonledger.db import insert_ignore
from carbonledger.observability import metrics
from carbonledger.translog import merkle, tiles
from carbonledger.translog.tables import log_bundles, log_state, log_tiles

_STATE_ID = 1


@dataclass(frozen=True, slots=True)
class LogHead:
    """The log's size and root hash as of the last append."""

    size: int
    root: bytes


def ensure_state(conn: Connection, now: datetime) -> None:
    """Create the empty log's head if this database has none yet."""
    insert_ignore(
        conn,
        log_state,
        [{"id": _STATE_ID, "size": 0, "root": merkle.EMPTY_ROOT, "updated_at": now}],
    )


def lock(conn: Connection) -> LogHead:
    """Take the sequencer lock for the rest of the transaction and read the log's head."""
    asked = time.perf_counter()
    row = conn.execute(
        select(log_state.c.size, log_state.c.root)
        .where(log_state.c.id == _STATE_ID)
        .with_for_update()
    ).one()
    metrics.log_lock_taken(conn, time.perf_counter() - asked)
    return LogHead(row.size, row.root)


def head(conn: Connection) -> LogHead:
    """The log's head as of this transaction's snapshot, without locking."""
    row = conn.execute(
        select(log_state.c.size, log_state.c.root).where(log_state.c.id == _STATE_ID)
    ).one()
    return LogHead(row.size, row.root)


def edge_positions(size: int) -> list[tuple[int, int]]:
    """(level, index) of the rightmost, partial tile of each level of a tree of `size` leaves."""
    positions = []
    level = 0
    while True:
        count = size >> (tiles.TILE_HEIGHT * level)
        if count == 0:
            break
        if count % tiles.TILE_WIDTH:
            positions.append((level, count // tiles.TILE_WIDTH))
        level += 1
    return positions


def _read_edge(conn: Connection, size: int) -> dict[int, bytes]:
    positions = edge_positions(size)
    edge: dict[int, bytes] = {}
    if positions:
        rows = conn.execute(
            select(log_tiles.c.level, log_tiles.c.data).where(
                or_(*(and_(log_tiles.c.level == lv, log_tiles.c.idx == ix) for lv, ix in positions))
            )
        )
        edge = {row.level: row.data for row in rows}
    return edge


def append(conn: Connection, at: LogHead, leaves: Sequence[bytes], now: datetime) -> LogHead:
    """Append `leaves` after `at` (the head read under `lock`); their indexes are
    `at.size`, `at.size + 1`, …. Writes the changed tiles and entry bundles and the new head."""
    if not leaves:
        return at
    edge = _read_edge(conn, at.size)
    grown = tiles.append(at.size, edge, [merkle.leaf_hash(leaf) for leaf in leaves])
    stored_tiles = set(edge_positions(at.size))
    _write(conn, log_tiles, ("level", "idx"), grown.tiles, stored_tiles)

    partial = at.size % tiles.TILE_WIDTH
    bundle_index = at.size // tiles.TILE_WIDTH
    edge_bundle = b""
    if partial:
        edge_bundle = conn.execute(
            select(log_bundles.c.data).where(log_bundles.c.idx == bundle_index)
        ).scalar_one()
    bundles = tiles.append_entries(at.size, edge_bundle, leaves)
    _write(
        conn,
        log_bundles,
        ("idx",),
        {(index,): data for index, data in bundles.items()},
        {(bundle_index,)} if partial else set(),
    )
    conn.execute(
        update(log_state)
        .where(log_state.c.id == _STATE_ID)
        .values(size=grown.size, root=grown.root, updated_at=now)
    )
    return LogHead(grown.size, grown.root)


def _write(
    conn: Connection,
    table: Table,
    key_names: tuple[str, ...],
    changed: Mapping[Any, bytes],
    existing: set[Any],
) -> None:
    """Insert new tiles or bundles and overwrite the grown ones (only partial ones ever grow)."""
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for key, data in changed.items():
        row = dict(zip(key_names, key, strict=True)) | {"data": data}
        (updates if key in existing else inserts).append(row)
    if inserts:
        conn.execute(table.insert(), inserts)
    if updates:
        conn.execute(
            update(table)
            .where(and_(*(table.c[name] == bindparam(f"k_{name}") for name in key_names)))
            .values(data=bindparam("data")),
            [
                {f"k_{name}": row[name] for name in key_names} | {"data": row["data"]}
                for row in updates
            ],
        )
