"""Tables of the transparency log: tree state, hash tiles, entry bundles, checkpoints and
witness cosignatures. Tiles and bundles are stored exactly as served (C2SP tlog-tiles)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, SmallInteger, String, Table, Text

from carbonledger.db import UTCDateTime, metadata

log_state = Table(
    "log_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

log_tiles = Table(
    "log_tiles",
    metadata,
    Column("level", SmallInteger, primary_key=True),
    Column("idx", BigInteger, primary_key=True),
    # Concatenated 32-byte hashes; the rightmost tile of a level grows until it holds 256.
    Column("data", LargeBinary, nullable=False),
)

log_bundles = Table(
    "log_bundles",
    metadata,
    Column("idx", BigInteger, primary_key=True),
    # Entries of 256 leaves, each as a 2-byte big-endian length and its bytes.
    Column("data", LargeBinary, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

cosignatures = Table(
    "cosignatures",
    metadata,
    Column("size", BigInteger, primary_key=True),
    Column("witness", String(200), primary_key=True),
    Column("line", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
