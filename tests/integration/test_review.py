"""The review queue on SQLite and PostgreSQL: the pipeline flags credits that reached the daily
cap or lie near a plausibility bound, in the batch's own transaction (and when pending records
are released); operators flag by hand; a reviewer reverses a flagged credit (a reversal leaf,
points clawed back, the ledgers corrected) or keeps it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from carbonledger import clock, db
from carbonledger.errors import CarbonLedgerError
from carbonledger.ingest import repository as records_repo
from carbonledger.platform import Platform
from carbonledger.review import service
from tests import factories
from tests.factories import record
from tests.integration.helpers import points_balance, rollups_match_records, submit


def _queue(platform: Platform, status: str = "open") -> dict[str, Any]:
    with db.read(platform.engine) as conn:
        return service.queue(conn, status)


def _flags(platform: Platform, status: str = "open") -> dict[str, list[str]]:
    flags = _queue(platform, status)["flags"]
    assert isinstance(flags, list)
    return {flag["record"]: flag["reasons"] for flag in flags}


def _city(platform: Platform) -> tuple[str, list[str]]:
    """A rider whose day brings an ordinary ride, a fast one and one past the daily cap."""
    partner = factories.add_partner(platform)
    factories.link(platform, partner.id, "u-1", factories.add_citizen(platform))
    start = clock.now() - timedelta(hours=6)
    results = submit(
        platform,
        partner.id,
        [
            record(quantity=10, minutes=40, start=start),
            record(quantity=28, minutes=60, start=start + timedelta(hours=1)),
            record(quantity=20, minutes=60, start=start + timedelta(hours=3)),
        ],
    )
    return partner.id, [r.record or "" for r in results]


def test_the_pipeline_flags_what_stands_out(platform: Platform) -> None:
    _, (ordinary, fast, capped) = _city(platform)
    assert _flags(platform) == {fast: ["near_bound"], capped: ["capped"]}
    queue = _queue(platform)
    assert queue["counts"] == {"open": 2, "reversed": 0, "kept": 0}
    assert queue["open_by_reason"] == {"capped": 1, "near_bound": 1, "operator": 0}
    assert ordinary not in _flags(platform)


def test_released_pending_records_are_flagged_too(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    [waiting] = submit(platform, partner.id, [record(quantity=29, minutes=60, user="later")])
    assert _flags(platform) == {}
    factories.link(platform, partner.id, "later", factories.add_citizen(platform))
    assert _flags(platform) == {waiting.record: ["near_bound"]}


def test_a_reviewer_reverses_a_flagged_credit(platform: Platform) -> None:
    _, (_, fast, capped) = _city(platform)
    with db.write(platform.engine) as conn:
        with pytest.raises(CarbonLedgerError) as blank:
            service.reverse(conn, platform, fast, "  ", "op-review", clock.now())
        assert blank.value.code == "note_required"
    with db.write(platform.engine) as conn:
        leaf = service.reverse(
            conn, platform, fast, "28 km/h on a shared bike: GPS drift", "op-review", clock.now()
        )
        service.keep(conn, capped, "a long Sunday ride", "op-review", clock.now())
    with db.read(platform.engine) as conn:
        reversed_row = records_repo.record_by_id(conn, fast)
    assert reversed_row is not None
    assert (reversed_row.status, reversed_row.reason) == ("rejected", "reversed")
    assert _flags(platform) == {}
    [done] = _queue(platform, "reversed")["flags"]
    assert (done["decided_by"], done["note"]) == (
        "op-review",
        "28 km/h on a shared bike: GPS drift",
    )
    assert leaf > 0
    assert _flags(platform, "kept") == {capped: ["capped"]}
    with db.write(platform.engine) as conn, pytest.raises(CarbonLedgerError) as again:
        service.keep(conn, capped, "", "op-review", clock.now())
    assert again.value.code == "no_open_flag"
    rollups_match_records(platform)
    points_balance(platform)


def test_an_operator_flags_a_credit_by_hand(platform: Platform) -> None:
    partner_id, (ordinary, fast, _) = _city(platform)
    [pending] = submit(platform, partner_id, [record(user="nobody")])
    now = clock.now()
    with db.write(platform.engine) as conn:
        service.flag_record(conn, ordinary, "the partner reported it twice", "op-1", now)
        service.flag_record(conn, fast, "a complaint from the partner", "op-1", now)
    flags = _flags(platform)
    assert flags[ordinary] == ["operator"]
    assert flags[fast] == ["near_bound", "operator"]
    refusals = {
        pending.record or "": "not_reviewable",
        "01NOSUCHRECORD000000000000": "unknown_record",
    }
    for record_id, code in refusals.items():
        with db.write(platform.engine) as conn, pytest.raises(CarbonLedgerError) as refused:
            service.flag_record(conn, record_id, "why", "op-1", now)
        assert refused.value.code == code
    with db.write(platform.engine) as conn:
        service.keep(conn, ordinary, "checked with the partner", "op-2", now)
    with db.write(platform.engine) as conn, pytest.raises(CarbonLedgerError) as reviewed:
        service.flag_record(conn, ordinary, "again", "op-1", now)
    assert reviewed.value.code == "already_reviewed"
