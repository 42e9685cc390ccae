"""The demo city (`carbonledger demo`): the synthetic city's partners with their signing keys,
citizens with links, and recent days of behaviour sent through the real pipeline, then a
checkpoint. Run again, it reuses the data directory unless asked to start fresh."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.progress import Progress
from sqlalchemy.engine import Connection

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.accounts.repository import partner as partner_row
from carbonledger.config import Settings
from carbonledger.ingest import pipeline
from carbonledger.ingest.results import Result
from carbonledger.ingest.signing import public_key_b64
from carbonledger.platform import Platform
from carbonledger.simulate.city import PARTNERS, City
from carbonledger.simulate.population import enrol
from carbonledger.translog import publisher

_BATCH = 1000
_SEED = 2022


@dataclass(frozen=True, slots=True)
class DemoSize:
    citizens: int
    days: int
    linked_share: float = 0.95


def partner_key_path(settings: Settings, partner_id: str) -> Path:
    return settings.data_dir / "partners" / f"{partner_id}.pem"


def _save_key(path: Path, key: Ed25519PrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def load_partner_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def is_built(platform: Platform) -> bool:
    with db.read(platform.engine) as conn:
        return partner_row(conn, PARTNERS[0].id) is not None


def wipe(settings: Settings) -> None:
    """Remove the demo's data directory (`--fresh`)."""
    if settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)


def _batches(platform: Platform, size: DemoSize) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    town = City(_SEED, size.citizens, platform.settings.zone)
    today = clock.now().astimezone(platform.settings.zone).date()
    first = today - timedelta(days=size.days)
    pending: dict[str, list[dict[str, Any]]] = {}
    for report in town.days(first, size.days):
        batch = pending.setdefault(report.partner_id, [])
        batch.append(report.record)
        if len(batch) == _BATCH:
            yield report.partner_id, batch
            pending[report.partner_id] = []
    yield from ((partner, batch) for partner, batch in pending.items() if batch)


def _submit(
    platform: Platform,
    signed: pipeline.SignedBatch,
    batch: list[dict[str, Any]],
    now: datetime,
    conn: Connection,
) -> list[Result]:
    return pipeline.submit(conn, platform, signed, batch, now)


def build(platform: Platform, size: DemoSize, progress: Progress) -> dict[str, int]:
    """Create the demo city in an empty database; return the count of each result status."""
    with db.write(platform.engine) as conn:
        for profile in PARTNERS:
            key = Ed25519PrivateKey.generate()
            _save_key(partner_key_path(platform.settings, profile.id), key)
            accounts.add_partner(
                conn, profile.id, profile.name, public_key_b64(key), profile.role, clock.now()
            )
    enrol(platform, _SEED, size.citizens, int(size.citizens * size.linked_share), progress)
    counts: dict[str, int] = {}
    task = progress.add_task("behaviour", total=None)
    for partner_id, batch in _batches(platform, size):
        signed = pipeline.SignedBatch(partner_id, 0, os.urandom(12).hex(), b"", b"")
        now = clock.now()
        results = db.retrying(platform.engine, partial(_submit, platform, signed, batch, now))
        for result in results:
            counts[result.status.value] = counts.get(result.status.value, 0) + 1
        progress.update(task, advance=len(batch))
    publisher.publish_and_cosign(platform, clock.now())
    return counts
