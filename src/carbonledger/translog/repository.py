"""SQL of the log's read side and checkpoints: tiles, bundles, checkpoints, cosignatures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from carbonledger.db import insert_if_new, insert_ignore, select_in
from carbonledger.translog import tiles
from carbonledger.translog.tables import checkpoints, cosignatures, log_bundles, log_tiles


def tile(conn: Connection, level: int, index: int) -> bytes | None:
    data: bytes | None = conn.execute(
        select(log_tiles.c.data).where(log_tiles.c.level == level, log_tiles.c.idx == index)
    ).scalar()
    return data


def bundle(conn: Connection, index: int) -> bytes | None:
    data: bytes | None = conn.execute(
        select(log_bundles.c.data).where(log_bundles.c.idx == index)
    ).scalar()
    return data


def entry(conn: Connection, index: int) -> bytes:
    """The leaf at `index` (it must exist)."""
    data = bundle(conn, index // tiles.TILE_WIDTH)
    if data is None:
        raise LookupError(f"no entry bundle holds leaf {index}")
    return tiles.bundle_entry(data, index % tiles.TILE_WIDTH)


_BUNDLES_A_READ = 32


def entries(conn: Connection, indexes: Iterable[int]) -> dict[int, bytes]:
    """The leaves at `indexes` that exist, by index: each bundle read once, a few dozen bundles
    a statement, and let go once its leaves are taken."""
    wanted: dict[int, list[int]] = defaultdict(list)
    for index in set(indexes):
        wanted[index // tiles.TILE_WIDTH].append(index)
    found: dict[int, bytes] = {}
    numbers = sorted(wanted)
    for start in range(0, len(numbers), _BUNDLES_A_READ):
        chunk = numbers[start : start + _BUNDLES_A_READ]
        for number, data in select_in(conn, log_bundles, ("idx", "data"), {"idx": chunk}):
            for index in wanted[number]:
                found[index] = tiles.bundle_entry(data, index % tiles.TILE_WIDTH)
    return found


def latest_checkpoint(conn: Connection) -> Row[Any] | None:
    return conn.execute(select(checkpoints).order_by(checkpoints.c.size.desc()).limit(1)).first()


def checkpoint_at(conn: Connection, size: int) -> Row[Any] | None:
    return conn.execute(select(checkpoints).where(checkpoints.c.size == size)).first()


def all_checkpoints(conn: Connection) -> list[tuple[int, str]]:
    rows = conn.execute(select(checkpoints.c.size, checkpoints.c.note).order_by(checkpoints.c.size))
    return [(row.size, row.note) for row in rows]


def insert_checkpoint(conn: Connection, size: int, root: bytes, note: str, now: datetime) -> bool:
    row = {"size": size, "root": root, "note": note, "created_at": now}
    return insert_if_new(conn, checkpoints, row)


def cosignature_lines(conn: Connection, size: int) -> list[str]:
    return list(
        conn.execute(
            select(cosignatures.c.line)
            .where(cosignatures.c.size == size)
            .order_by(cosignatures.c.witness)
        ).scalars()
    )


def cosigned_note(conn: Connection, checkpoint: Row[Any]) -> str:
    """A stored checkpoint's note with every cosignature it has gathered since."""
    lines = cosignature_lines(conn, checkpoint.size)
    return str(checkpoint.note) + "".join(
        line if line.endswith("\n") else line + "\n" for line in lines
    )


def last_cosigned_size(conn: Connection, witness: str) -> int:
    size: int | None = conn.execute(
        select(func.max(cosignatures.c.size)).where(cosignatures.c.witness == witness)
    ).scalar()
    return size or 0


def insert_cosignature(conn: Connection, size: int, witness: str, line: str, now: datetime) -> None:
    row = {"size": size, "witness": witness, "line": line, "created_at": now}
    insert_ignore(conn, cosignatures, [row])
