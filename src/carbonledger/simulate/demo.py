"""The demo city (`carbonledger demo`): the synthetic city's partners with their signing keys,
the merchants' rewards, a campaign, a project and engagement budgets; citizens with links; recent
days of behaviour sent through the real pipeline; citizens redeeming, donating and checking in;
then a checkpoint. Its logins are kept in the data directory. Run again, it reuses the data
directory unless asked to start fresh."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.progress import Progress

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.accounts.repository import partner as partner_row
from carbonledger.config import Settings
from carbonledger.ingest import pipeline
from carbonledger.ingest.signing import public_key_b64
from carbonledger.market import demo as market_demo
from carbonledger.platform import Platform
from carbonledger.simulate import activity, logins, showcase
from carbonledger.simulate.city import PARTNERS, City
from carbonledger.simulate.people import CORE, DEMO_CITIZEN, DISTRICTS, REGULAR
from carbonledger.simulate.population import enrol
from carbonledger.translog import publisher

_BATCH = 1000
_SEED = 2022
# Regular participants who also spend points: one in this many (the whole core does).
_SPENDERS = 5


@dataclass(frozen=True, slots=True)
class DemoSize:
    """How big a city: registered citizens, days of behaviour ending yesterday, the share of
    citizens linked at the partners, and whether most citizens take part only now and then
    (`engaged`, the realistic default) or everyone every day (a small, busy city for tests)."""

    citizens: int
    days: int
    linked_share: float = 0.95
    engaged: bool = True


def partner_key_path(settings: Settings, partner_id: str) -> Path:
    return settings.data_dir / "partners" / f"{partner_id}.pem"


CITY_FILE = "city.json"
"""Beside the partners' keys: the city's seed and size, so that `simulate --keys DIR` sends the
behaviour of the citizens this deployment holds."""


def save_city(settings: Settings, seed: int, citizens: int) -> Path:
    path = settings.data_dir / "partners" / CITY_FILE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(json.dumps({"seed": seed, "citizens": citizens}) + "\n", "utf-8")
    return path


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
    """Whether the data directory holds a finished demo city (its logins are written last)."""
    if logins.load(platform.settings.data_dir) is None:
        return False
    with db.read(platform.engine) as conn:
        return partner_row(conn, PARTNERS[0].id) is not None


def has_data(platform: Platform) -> bool:
    """Whether the database already has partners: a demo left unfinished, or another platform."""
    with db.read(platform.engine) as conn:
        return bool(accounts.partners(conn))


def wipe(settings: Settings) -> None:
    """Remove the demo's data directory (`--fresh`)."""
    if settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)


@dataclass(frozen=True, slots=True)
class Built:
    """What a build did: results by status, the records sent, the points loop, and seconds."""

    statuses: Counter[str]
    records: int
    activity: Counter[str]
    seconds: float


def _batches(town: City, first: date, days: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Per-partner batches of each day, as partners send them; an empty batch marks a day's end."""
    pending: dict[str, list[dict[str, Any]]] = {}
    for offset in range(days):
        for report in town.day(first + timedelta(days=offset)):
            batch = pending.setdefault(report.partner_id, [])
            batch.append(report.record)
            if len(batch) == _BATCH:
                yield report.partner_id, batch
                pending[report.partner_id] = []
        yield from ((partner, batch) for partner, batch in pending.items() if batch)
        pending = {}
        yield "", []


def _set_up(platform: Platform, first: date, days: int, made: logins.Accounts) -> showcase.Offers:
    """Partners with their signing keys (made and saved first), the operator and the offers."""
    now = clock.now()
    keys = {profile.id: Ed25519PrivateKey.generate() for profile in PARTNERS}
    for partner_id, key in keys.items():
        _save_key(partner_key_path(platform.settings, partner_id), key)
    with db.write(platform.engine) as conn:
        for profile in PARTNERS:
            public = public_key_b64(keys[profile.id])
            accounts.add_partner(conn, profile.id, profile.name, public, profile.role, now)
        logins.add_operator(conn, made)
        window = showcase.car_free_day(first, days, platform.settings.zone)
        return showcase.set_up(conn, platform.keys, platform.catalogue, window, now)


def _behaviour(
    platform: Platform, town: City, first: date, days: int, progress: Progress
) -> tuple[Counter[str], int]:
    statuses: Counter[str] = Counter()
    task = progress.add_task("behaviour", total=days)
    sent = 0
    for partner_id, batch in _batches(town, first, days):
        if not batch:
            progress.update(task, advance=1, description=f"behaviour: {sent:,} records")
            continue
        signed = pipeline.SignedBatch(partner_id, 0, os.urandom(12).hex(), b"", b"")
        now = clock.now()
        results = pipeline.process(platform, signed, batch, now)
        statuses.update(result.status.value for result in results)
        sent += len(batch)
    return statuses, sent


def build(platform: Platform, size: DemoSize, progress: Progress) -> Built:
    """Create the demo city in an empty database, phase by phase under `progress`."""
    started = time.perf_counter()
    zone = platform.settings.zone
    first = clock.now().astimezone(zone).date() - timedelta(days=size.days)
    town = City(_SEED, size.citizens, zone, engaged=size.engaged)
    task = progress.add_task("partners and offers", total=1)
    made = logins.new_accounts(_SEED)
    offers = _set_up(platform, first, size.days, made)
    with db.write(platform.engine) as conn:
        data_key, mall_key = logins.portal_keys(conn, made)
        citizen_id = logins.add_citizen(conn, platform.keys, made)
    progress.update(task, advance=1)

    task = progress.add_task("citizens", total=size.citizens, completed=1)
    ids = [citizen_id]
    ids += enrol(
        platform,
        _SEED,
        size.citizens,
        int(size.citizens * size.linked_share),
        lambda count: progress.update(task, advance=count),
        first=DEMO_CITIZEN + 1,
    )
    statuses, sent = _behaviour(platform, town, first, size.days, progress)

    engaged = [
        (serial, ids[serial])
        for serial, who in enumerate(town.people)
        if who.engagement is CORE or (who.engagement is REGULAR and serial % _SPENDERS == 0)
    ]
    task = progress.add_task("points: redeem, donate, check in", total=len(engaged))
    done = activity.run(
        platform, offers, engaged, clock.now(), lambda count: progress.update(task, advance=count)
    )
    task = progress.add_task("checkpoint", total=1)
    publisher.publish_and_cosign(platform, clock.now())
    progress.update(task, advance=1)
    task = progress.add_task("carbon market: a lot issued, sold and retired", total=1)
    market_demo.run(
        platform,
        first,
        first + timedelta(days=size.days - 1),
        [code for code, _ in DISTRICTS],
        showcase.DEMO_OPERATOR,
    )
    progress.update(task, advance=1)
    logins.save(
        platform.settings.data_dir,
        logins.Logins(
            made.citizen.phone,
            made.citizen_password,
            showcase.DEMO_OPERATOR,
            made.operator_password,
            logins.PORTAL_DATA_PARTNER,
            data_key,
            logins.PORTAL_MERCHANT,
            mall_key,
        ),
    )
    save_city(platform.settings, _SEED, size.citizens)
    return Built(statuses, sent, done, time.perf_counter() - started)
