"""Backup and restore of the database and the keys together."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carbonledger import clock, migrate
from carbonledger.cli.common import fail
from carbonledger.config import Settings
from carbonledger.db import make_engine
from carbonledger.errors import CarbonLedgerError
from carbonledger.keys import Keys


def backup(
    destination: Annotated[Path, typer.Argument(metavar="DEST", help="A new directory.")],
) -> None:
    """Back up the database (SQLite online backup, or pg_dump) and the secret keys."""
    from carbonledger import backup as backups

    settings = Settings()
    engine = make_engine(settings.url)
    try:
        manifest = backups.backup(settings, engine, destination, clock.now())
    except CarbonLedgerError as error:
        fail(error)
    finally:
        engine.dispose()
    print(
        f"backed up the {manifest.database} database (log size {manifest.log_size}) and "
        f"{len(manifest.secrets)} keys to {destination}"
    )


def restore(
    source: Annotated[Path, typer.Argument(metavar="SRC", help="A directory made by backup.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds records.")
    ] = False,
) -> None:
    """Restore a backup into the configured database and data directory."""
    from carbonledger import backup as backups

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.url)
    try:
        manifest = backups.restore(settings, engine, source, force=force)
        migrate.upgrade(engine, Keys.load(settings.secrets_dir))
    except CarbonLedgerError as error:
        fail(error)
    finally:
        engine.dispose()
    print(
        f"restored the {manifest.database} database (log size {manifest.log_size}) from "
        f"{source}; run `carbonledger verify` and `carbonledger reconcile` to check it"
    )
