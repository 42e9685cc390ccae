"""Health and readiness. `healthz`: the process answers. `readyz`: the database takes writes
(or, where this process reads from a replica, the replica answers), its schema is the one this
code was built for, and no leaf has waited longer than `checkpoint_stale_seconds` for a
checkpoint. Each check is one small query, so the answer comes in milliseconds."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from math import inf

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from carbonledger import clock, db, migrate
from carbonledger.platform import Platform
from carbonledger.translog import repository as log_repo
from carbonledger.translog import sequencer


@dataclass(frozen=True, slots=True)
class Readiness:
    """Each check by name with what it found; ready when every check passed."""

    checks: dict[str, str]
    problems: list[str]

    @property
    def ready(self) -> bool:
        return not self.problems


@cache
def schema_heads() -> frozenset[str]:
    """The migration heads this code expects (read once per process)."""
    return frozenset(ScriptDirectory.from_config(migrate.alembic_config()).get_heads())


def _writable(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return True
    setting: str = conn.exec_driver_sql("SHOW transaction_read_only").scalar_one()
    return setting == "off"


def _schema(conn: Connection) -> frozenset[str]:
    return frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def readiness(platform: Platform) -> Readiness:
    checks: dict[str, str] = {}
    problems: list[str] = []
    try:
        with db.read(platform.engine) as conn:
            if _writable(conn):
                checks["database"] = "writable"
            else:
                problems.append("the database is read-only (a standby): no primary reached")
            if _schema(conn) == schema_heads():
                checks["migrations"] = "current"
            else:
                problems.append("the schema is not current: run `carbonledger db upgrade`")
            head = sequencer.head(conn)
            latest = log_repo.latest_checkpoint(conn)
    except DBAPIError as error:
        problems.append(f"the database does not answer ({type(error.orig).__name__})")
        return Readiness(checks, problems)
    signed = latest.size if latest is not None else 0
    # Without any checkpoint, unsigned leaves have waited for one since the server started.
    waited = (clock.now() - latest.created_at).total_seconds() if latest is not None else inf
    if head.size > signed and waited > platform.settings.checkpoint_stale_seconds:
        since = "since the server started" if latest is None else f"{waited:.0f} s"
        problems.append(f"{head.size - signed} leaves have waited {since} for a checkpoint")
    else:
        checks["checkpoint"] = "fresh"
    if platform.read_engine is not platform.engine:
        try:
            with db.read(platform.read_engine) as conn:
                conn.exec_driver_sql("SELECT 1")
            checks["replica"] = "reachable"
        except DBAPIError as error:
            problems.append(f"the read replica does not answer ({type(error.orig).__name__})")
    return Readiness(checks, problems)
