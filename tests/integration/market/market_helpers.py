"""Helpers for market tests: credits made by the real pipeline, a registered verifier with its
own key, and a lot taken through notice and signature."""

from __future__ import annotations

import base64
import itertools
from datetime import datetime, timedelta

from carbonledger import clock, db
from carbonledger.market import forming, lots, registry, signing, verifiers
from carbonledger.market import registry_repository as registry_repo
from carbonledger.platform import Platform
from carbonledger.translog import publisher
from tests import factories
from tests.factories import record
from tests.integration.helpers import submit

_users = itertools.count()
LATER = timedelta(days=8)


def credit(platform: Platform, trips: int, citizen_id: str | None = None) -> str:
    """`trips` cycling credits of one citizen (a new one by default), then a checkpoint."""
    citizen_id = citizen_id or factories.add_citizen(platform)
    partner = factories.add_partner(platform)
    user = f"rider-{next(_users)}"
    factories.link(platform, partner.id, user, citizen_id)
    results = submit(
        platform,
        partner.id,
        [
            record("cycling", user=user, start=clock.now() - timedelta(hours=2 * n + 2))
            for n in range(trips)
        ],
    )
    assert all(r.status == "accepted" for r in results), results
    checkpoint(platform)
    return citizen_id


def checkpoint(platform: Platform) -> None:
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())


def terms(**changes: object) -> forming.LotTerms:
    today = clock.now().date()
    base: dict[str, object] = {
        "period_start": today.replace(month=1, day=1),
        "period_end": today.replace(month=12, day=31),
        "scenarios": ("cycling",),
        "regions": (platform_region(),),
        "unit_mg": 100_000,
        "review_days": 0,
    }
    return forming.LotTerms(**(base | changes))  # type: ignore[arg-type]


def platform_region() -> str:
    return "110000"


def form(platform: Platform, now: datetime | None = None, **changes: object) -> int:
    """Plan a lot in a read transaction and form it in a write transaction, as routes do."""
    when = now or clock.now() + timedelta(seconds=1)
    known = [s.code for s in platform.catalogue.scenarios]
    with db.read(platform.engine) as conn:
        planned = forming.plan(conn, terms(**changes), known_scenarios=known, now=when)
    with db.write(platform.engine) as conn:
        return forming.form(conn, planned, city=platform.settings.region, by="op", now=when)


def new_verifier(platform: Platform, name: str = "v-one") -> bytes:
    seed = signing.new_seed()
    with db.write(platform.engine) as conn:
        verifiers.register(
            conn,
            name,
            "Verifier",
            base64.b64encode(signing.public_key(seed)).decode(),
            "op",
            clock.now(),
        )
    return seed


def sign(platform: Platform, number: int, seed: bytes, verifier_id: str = "v-one") -> None:
    with db.read(platform.engine) as conn:
        manifest = lots.manifest_of(lots.get_lot(conn, number))
        signature = verifiers.check(
            conn, number, verifier_id, base64.b64encode(signing.sign(seed, manifest)).decode()
        )
    with db.write(platform.engine) as conn:
        verifiers.store(conn, number, verifier_id, signature, clock.now())


def issued_lot(platform: Platform, trips: int = 5) -> int:
    """A lot of fresh credits, noticed, signed and issued."""
    credit(platform, trips)
    number = form(platform)
    seed = new_verifier(platform, f"v-{number}")
    sign(platform, number, seed, f"v-{number}")
    with db.write(platform.engine) as conn:
        lots.issue(conn, number, "op", clock.now() + LATER)
    return number


def buyer(platform: Platform, name: str, kind: str = "enterprise") -> str:
    with db.write(platform.engine) as conn:
        return registry.open_account(conn, name, kind, name.title(), clock.now())


def sell(platform: Platform, number: int, account: str, units: int, price_fen: int = 0) -> None:
    """Move `units` of the lot from the city's pool to `account`."""
    with db.write(platform.engine) as conn:
        registry.transfer(
            conn,
            number,
            units,
            seller=registry_repo.POOL,
            buyer=account,
            price_fen=price_fen,
            funds=None,
            now=clock.now(),
        )
