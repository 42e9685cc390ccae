"""Proofs and roots read from the stored tiles: about one tile read per tile level, so a proof
at 100 million leaves costs four reads (C2SP tlog-tiles, RFC 9162 §2.1.3 and §2.1.4)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from carbonledger.translog import merkle, tiles
from carbonledger.translog import repository as repo
from carbonledger.translog.receipts import Receipt


def reader(conn: Connection, size: int) -> tiles.TileReader:
    def read_tile(level: int, index: int) -> bytes:
        data = repo.tile(conn, level, index)
        if data is None:
            raise LookupError(f"tile {level}/{index} is missing from the database")
        return data

    return tiles.TileReader(size, read_tile)


def inclusion(conn: Connection, index: int, size: int) -> list[bytes]:
    return merkle.inclusion_proof(index, size, reader(conn, size).subtree)


def consistency(conn: Connection, first: int, size: int) -> list[bytes]:
    return merkle.consistency_proof(first, size, reader(conn, size).subtree)


def root(conn: Connection, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return reader(conn, size).subtree(0, size)


def receipt(conn: Connection, index: int) -> Receipt | None:
    """The receipt of leaf `index` under the latest checkpoint and its cosignatures; None while
    no checkpoint covers the leaf yet."""
    latest = repo.latest_checkpoint(conn)
    if latest is None or index >= latest.size:
        return None
    proof = tuple(inclusion(conn, index, latest.size))
    return Receipt(repo.entry(conn, index), index, proof, repo.cosigned_note(conn, latest))
