"""Dense commuters on SQLite and PostgreSQL: a few citizens with hundreds of rides each over the
retention window, every other ride reported again by a second partner a minute off, sent in
shuffled batches that span the whole window, some resent, and one user's month released by a
link. Every ride is credited at most once, the second reports are duplicates of the first,
the daily cap holds, and the rollups and points reconcile."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from tests import factories
from tests.factories import record
from tests.integration.helpers import points_balance, rollups_match_records, submit

CITIZENS = 4
DAYS = 25
RIDES_PER_DAY = 6  # 6 × 9 km = 54 km: the 50 km daily cap cuts the sixth


def _rides(bikes: str, maps: str, first: datetime) -> list[tuple[str, dict[str, Any]]]:
    """(partner, record) for every ride, local days from `first` (a local midnight) on."""
    sent = []
    for number in range(CITIZENS):
        for day in range(DAYS):
            for ride in range(RIDES_PER_DAY):
                start = first + timedelta(days=day, hours=7 + ride * 2)
                ride_id = f"{number}-{day}-{ride}"
                bike = record(
                    "cycling",
                    user=f"b{number}",
                    start=start,
                    minutes=30,
                    quantity=9.0,
                    external_id="b" + ride_id,
                )
                sent.append((bikes, bike))
                if ride % 2 == 0:
                    copy = record(
                        "cycling",
                        user=f"m{number}",
                        start=start + timedelta(minutes=1),
                        minutes=30,
                        quantity=9.1,
                        external_id="m" + ride_id,
                    )
                    sent.append((maps, copy))
    return sent


def test_dense_commuters_are_credited_once_per_ride(platform: Platform) -> None:
    bikes, maps = factories.add_partner(platform), factories.add_partner(platform)
    citizens = [factories.add_citizen(platform) for _ in range(CITIZENS)]
    for number, citizen in enumerate(citizens[:-1]):  # the last one links later
        factories.link(platform, bikes.id, f"b{number}", citizen)
        factories.link(platform, maps.id, f"m{number}", citizen)
    today = clock.now().astimezone(platform.settings.zone).date()
    first = datetime.combine(today - timedelta(days=DAYS), time(), platform.settings.zone)
    sent = _rides(bikes.id, maps.id, first)
    rng = random.Random(11)
    bike_records = [r for p, r in sent if p == bikes.id]
    map_records = [r for p, r in sent if p == maps.id]
    # The bike operator first, in shuffled batches; the map app's copies after, some resent.
    rng.shuffle(bike_records)
    for start in range(0, len(bike_records), 150):
        submit(platform, bikes.id, bike_records[start : start + 150])
    rng.shuffle(map_records)
    for start in range(0, len(map_records), 150):
        batch = map_records[start : start + 150]
        submit(platform, maps.id, batch)
        if start % 300 == 0:
            assert all(r.replayed for r in submit(platform, maps.id, batch))
    last = CITIZENS - 1
    factories.link(platform, bikes.id, f"b{last}", citizens[last])
    factories.link(platform, maps.id, f"m{last}", citizens[last])

    with db.read(platform.engine) as conn:
        rows = list(conn.execute(select(records)))
    assert len(rows) == len(sent)
    credited_km = _credited(rows)
    # Every day of every citizen was credited up to the cap, never more, whatever the order.
    assert len(credited_km) == CITIZENS * DAYS
    assert set(credited_km.values()) == {50_000}
    assert not [r for r in rows if r.status == "pending"]
    rollups_match_records(platform)
    points_balance(platform)


def _credited(rows: list[Any]) -> dict[tuple[str, date], int]:
    """Milli-km credited per citizen and day; checks each ride is credited at most once and a
    second report of a credited ride is its duplicate."""
    by_id = {row.external_id: row for row in rows}
    credited_km: dict[tuple[str, date], int] = defaultdict(int)
    for number in range(CITIZENS):
        for day in range(DAYS):
            for ride in range(RIDES_PER_DAY):
                ride_id = f"{number}-{day}-{ride}"
                bike, copy = by_id["b" + ride_id], by_id.get("m" + ride_id)
                credits = [r for r in (bike, copy) if r is not None and r.status == "accepted"]
                assert len(credits) <= 1, ride_id
                if copy is not None and bike.status == "accepted":
                    found = (copy.status, copy.reason, copy.duplicate_of)
                    assert found == ("duplicate", "overlapping_trip", bike.id)
                for credit in credits:
                    credited_km[(credit.citizen_id, credit.day)] += credit.credited_milli
    return credited_km
