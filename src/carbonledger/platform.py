"""The platform as one object: settings, database engine, keys and methodology catalogue, opened
once per process by an entry point (the web app or a CLI command). The award rules are data the
operator changes: each credit batch reads them in its own transaction.

The catalogue is the package's plus the versions operators have published since; every batch
calls `refresh_catalogue` in its transaction, so each worker process credits with the newest
published versions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from carbonledger import clock, db, migrate
from carbonledger.config import Settings
from carbonledger.db import make_engine
from carbonledger.keys import Keys
from carbonledger.methodology import repository as methodology_repo
from carbonledger.methodology.catalogue import Catalogue
from carbonledger.points import ledger
from carbonledger.translog import sequencer
from carbonledger.translog.note import Signer, signer_from_private_bytes
from carbonledger.translog.origin import load_or_create_origin


def bootstrap(engine: Engine) -> None:
    """Create the rows every database needs: the empty log's head, the system point accounts."""
    with db.write(engine) as conn:
        sequencer.ensure_state(conn, clock.now())
        ledger.open_system_accounts(conn, clock.now())


@dataclass
class Platform:
    """Everything a request or a command needs besides its own input."""

    settings: Settings
    engine: Engine
    keys: Keys
    catalogue: Catalogue
    published_versions: int = 0
    """How many published versions `catalogue` includes."""
    _catalogue_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, settings: Settings | None = None, *, upgrade: bool = True) -> Platform:
        """Open the data directory (creating it and its keys on first use) and the database,
        bringing its schema up to date unless `upgrade` is False."""
        settings = settings or Settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.url)
        keys = Keys.load(settings.secrets_dir)
        if upgrade:
            migrate.upgrade(engine, keys)
            bootstrap(engine)
        if not settings.log_origin:
            origin = load_or_create_origin(settings.data_dir, engine)
            settings = settings.model_copy(update={"log_origin": origin})
        return cls(settings, engine, keys, Catalogue.load())

    def refresh_catalogue(self, conn: Connection) -> Catalogue:
        """The catalogue with every published methodology version, reloaded when more have been
        published since it was loaded. Versions are never withdrawn, so the count tells."""
        if methodology_repo.count_versions(conn) > self.published_versions:
            versions = methodology_repo.published_versions(conn)
            catalogue = Catalogue.load(versions)
            with self._catalogue_lock:
                # Threads of one worker may race here; the catalogue only ever moves forward.
                if len(versions) > self.published_versions:
                    self.catalogue, self.published_versions = catalogue, len(versions)
        return self.catalogue

    @cached_property
    def read_engine(self) -> Engine:
        """The engine for reads that may lag behind the last write by a moment (ledgers,
        dashboard, reports, tiles already written): a replica when one is set, else `engine`."""
        if not self.settings.read_database_url:
            return self.engine
        return make_engine(self.settings.read_url)

    @property
    def log_signer(self) -> Signer:
        return signer_from_private_bytes(self.settings.log_origin, self.keys.log_seed)

    def close(self) -> None:
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
        db.close(self.engine)
