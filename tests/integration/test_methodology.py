"""Publishing methodology versions on SQLite and PostgreSQL. Invariant 6: a new factor changes
only records occurring on or after its effective date — credits already made keep theirs, and a
record occurring the day before is still quantified by the old version — and every worker
credits with the newest published version."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.errors import CarbonLedgerError
from carbonledger.ingest.tables import records
from carbonledger.methodology import service
from carbonledger.methodology.publishing import Draft
from carbonledger.platform import Platform
from carbonledger.translog import repository as log_repo
from tests import factories
from tests.factories import record
from tests.integration.helpers import rollups_match_records, submit

OLD_MG_PER_KM = 51_000
NEW_MG_PER_KM = 60_000


def _rider(platform: Platform) -> str:
    partner = factories.add_partner(platform)
    factories.link(platform, partner.id, "u-1", factories.add_citizen(platform))
    return partner.id


def _draft(platform: Platform, now: datetime, **changes: str) -> Draft:
    effective = service.earliest_effective_date(platform, now)
    base = Draft("cycling", effective.isoformat(), "60", "sourced", "市交通委 2026 年骑行减排测算")
    return replace(base, **changes)


def _publish(platform: Platform, draft: Draft, now: datetime) -> dict[str, Any]:
    with db.write(platform.engine) as conn:
        return service.publish(conn, platform, draft, "op-methodology", now)


def _row(platform: Platform, record_id: str | None) -> Any:
    with db.read(platform.engine) as conn:
        return conn.execute(select(records).where(records.c.id == record_id)).one()


def test_a_new_factor_changes_only_records_from_its_effective_date(platform: Platform) -> None:
    partner_id = _rider(platform)
    start = clock.now()
    before = submit(platform, partner_id, [record(quantity=10, minutes=40)])[0]
    with db.read(platform.engine) as conn:
        leaf_before = log_repo.entry(conn, before.leaf_index or 0)
    published = _publish(platform, _draft(platform, start), start)
    effective = service.earliest_effective_date(platform, start)
    zone = platform.settings.zone
    later = datetime.combine(effective + timedelta(days=1), time(12), zone)
    eve = datetime.combine(effective - timedelta(days=1), time(22), zone)
    on_the_day = datetime.combine(effective, time(8), zone)
    old, new = submit(
        platform,
        partner_id,
        [
            record(quantity=10, minutes=40, start=eve),
            record(quantity=10, minutes=40, start=on_the_day),
        ],
        now=later,
    )
    assert published["id"] == effective.isoformat()
    assert (before.methodology, before.reduction_mg) == ("cycling@2022-08", 10 * OLD_MG_PER_KM)
    assert (old.methodology, old.reduction_mg) == ("cycling@2022-08", 10 * OLD_MG_PER_KM)
    assert (new.methodology, new.reduction_mg) == (
        f"cycling@{effective.isoformat()}",
        10 * NEW_MG_PER_KM,
    )
    stored = _row(platform, before.record)
    assert (stored.methodology, stored.reduction_mg) == ("cycling@2022-08", 10 * OLD_MG_PER_KM)
    with db.read(platform.engine) as conn:
        assert log_repo.entry(conn, before.leaf_index or 0) == leaf_before
    rollups_match_records(platform)


def test_every_worker_credits_with_the_newest_published_version(platform: Platform) -> None:
    partner_id = _rider(platform)
    other_worker = Platform.open(platform.settings, upgrade=False)
    try:
        start = clock.now()
        submit(other_worker, partner_id, [record()])  # its catalogue is loaded and in use
        _publish(platform, _draft(platform, start, factor="55"), start)
        effective = service.earliest_effective_date(platform, start)
        later = datetime.combine(effective, time(18), platform.settings.zone)
        ride = record(quantity=2, minutes=10, start=later - timedelta(hours=2))
        result = submit(other_worker, partner_id, [ride], now=later)[0]
    finally:
        other_worker.close()
    assert result.methodology == f"cycling@{effective.isoformat()}"
    assert result.reduction_mg == 2 * 55_000
    assert other_worker.published_versions == 1


def test_publishing_refuses_what_would_change_a_credit(platform: Platform) -> None:
    partner_id = _rider(platform)
    start = clock.now()
    submit(platform, partner_id, [record()])
    _publish(platform, _draft(platform, start), start)
    with pytest.raises(CarbonLedgerError) as same_day:
        _publish(platform, _draft(platform, start, version_id="again"), start)
    assert same_day.value.code == "version_exists"
    # Published "three days ago", the earliest date would be a day already credited.
    long_ago = start - timedelta(days=3)
    with pytest.raises(CarbonLedgerError) as credited:
        _publish(platform, _draft(platform, long_ago, scenario="cycling", version_id="x"), long_ago)
    assert credited.value.code == "credits_after_effective_date"
    with pytest.raises(CarbonLedgerError) as past:
        _publish(platform, _draft(platform, start, effective_from="2020-01-01"), start)
    assert past.value.code == "invalid_version"
    assert "effective_from" in past.value.message
    with db.read(platform.engine) as conn:
        assert [v["id"] for v in service.published(conn)] == [
            service.earliest_effective_date(platform, start).isoformat()
        ]
