"""The log's origin: the name that C2SP tlog-checkpoint puts on a checkpoint's first line and
signed-note puts on the log's key. An origin names one log, so every deployment has its own.

`CARBONLEDGER_LOG_ORIGIN` sets it. Otherwise it is read from `<data_dir>/log.origin`, which is
written on first start: with the origin of the log's stored checkpoints when the database already
has some (a deployment from before the file existed keeps its name), else a new random one.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from carbonledger import db
from carbonledger.translog import repository as repo

ORIGIN_FILE = "log.origin"
_PREFIX = "carbonledger.local/log/"


def _stored_origin(engine: Engine) -> str | None:
    try:
        with db.read(engine) as conn:
            row = repo.latest_checkpoint(conn)
    except SQLAlchemyError:  # a database not yet migrated has no checkpoints
        return None
    return str(row.note).split("\n", 1)[0] if row is not None else None


def load_or_create_origin(data_dir: Path, engine: Engine) -> str:
    """The origin kept in the data directory, chosen and written on first use."""
    path = data_dir / ORIGIN_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    origin = _stored_origin(engine) or _PREFIX + os.urandom(8).hex()
    try:
        # O_EXCL: when two processes start together, the first one's origin wins for both.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(origin + "\n")
    return origin
