"""Backup and restore of a whole deployment: the database and the secret keys, which belong
together (without the keys the names cannot be decrypted, phones not looked up, and the log not
signed under the same name).

A backup is a directory:

    manifest.json     what was backed up, when, from which kind of database, the log's size
    database.sqlite   SQLite: an online backup (the `sqlite3` backup API; writers may go on)
    database.dump     PostgreSQL: `pg_dump --format=custom`, a consistent snapshot
    secrets/          the key files, mode 0600 in a 0700 directory

Restore refuses to overwrite a database that already holds records unless told to.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.engine import make_url

from carbonledger import db
from carbonledger.config import Settings
from carbonledger.errors import Conflict, InvalidInput
from carbonledger.translog.tables import log_state

MANIFEST = "manifest.json"
_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Manifest:
    format: int
    created_at: str
    database: str
    log_size: int
    secrets: list[str]


def _log_size(engine: Engine) -> int:
    with db.read(engine) as conn:
        size = conn.execute(select(func.max(log_state.c.size))).scalar()
    return int(size or 0)


def _pg_args(url: str) -> list[str]:
    """libpq connection options for pg_dump/pg_restore, from the SQLAlchemy URL."""
    parsed = make_url(url)
    args = ["--dbname", parsed.database or "postgres"]
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    return args


def _pg_env(url: str) -> dict[str, str]:
    password = make_url(url).password
    return {**os.environ, **({"PGPASSWORD": str(password)} if password else {})}


def _run(command: list[str], env: dict[str, str]) -> None:
    # pg_dump or pg_restore with arguments from the settings, never through a shell.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise InvalidInput(
            f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}",
            code="backup_failed",
        )


def backup(settings: Settings, engine: Engine, destination: Path, now: datetime) -> Manifest:
    """Write a backup of the database and keys into the new directory `destination`."""
    if destination.exists() and any(destination.iterdir()):
        raise Conflict(f"{destination} exists and is not empty; choose a new directory")
    destination.mkdir(parents=True, exist_ok=True, mode=0o700)
    kind = engine.dialect.name
    if kind == "sqlite":
        db.private_file(destination / "database.sqlite")
        target = sqlite3.connect(destination / "database.sqlite")
        try:
            with engine.connect() as conn:
                source = conn.connection.driver_connection
                assert isinstance(source, sqlite3.Connection)
                source.backup(target)
        finally:
            target.close()
    else:
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--file",
                str(destination / "database.dump"),
                *_pg_args(settings.url),
            ],
            _pg_env(settings.url),
        )
        (destination / "database.dump").chmod(0o600)
    secrets = destination / "secrets"
    secrets.mkdir(mode=0o700)
    names = []
    for key in sorted(settings.secrets_dir.glob("*.key")):
        copied = secrets / key.name
        shutil.copyfile(key, copied)
        copied.chmod(0o600)
        names.append(key.name)
    manifest = Manifest(_FORMAT, now.isoformat(), kind, _log_size(engine), names)
    (destination / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest


def read_manifest(source: Path) -> Manifest:
    try:
        body: dict[str, Any] = json.loads((source / MANIFEST).read_text())
        manifest = Manifest(**body)
    except (OSError, ValueError, TypeError) as error:
        raise InvalidInput(f"{source} is not a Carbon Ledger backup: {error}") from None
    if manifest.format != _FORMAT:
        raise InvalidInput(f"backup format {manifest.format} is not supported")
    return manifest


def _has_records(engine: Engine) -> bool:
    from carbonledger.ingest.tables import records

    if not inspect(engine).has_table(records.name):
        return False
    with db.read(engine) as conn:
        return conn.execute(select(records.c.id).limit(1)).first() is not None


def restore(settings: Settings, engine: Engine, source: Path, *, force: bool = False) -> Manifest:
    """Bring the backup in `source` back into the configured database and data directory."""
    manifest = read_manifest(source)
    if manifest.database != engine.dialect.name:
        raise InvalidInput(
            f"the backup is of a {manifest.database} database; the configured one is "
            f"{engine.dialect.name}"
        )
    if _has_records(engine) and not force:
        raise Conflict(
            "the configured database already holds records; restore into an empty one, or pass "
            "--force to replace it"
        )
    engine.dispose()
    if manifest.database == "sqlite":
        path = make_url(settings.url).database
        assert path, "the SQLite URL names a file"
        for suffix in ("-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        db.private_file(Path(path))
        restored = sqlite3.connect(path)
        backup_file = sqlite3.connect(source / "database.sqlite")
        try:
            backup_file.backup(restored)
        finally:
            backup_file.close()
            restored.close()
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *_pg_args(settings.url),
                str(source / "database.dump"),
            ],
            _pg_env(settings.url),
        )
    settings.secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in manifest.secrets:
        target = settings.secrets_dir / name
        shutil.copyfile(source / "secrets" / name, target)
        target.chmod(0o600)
    return manifest
