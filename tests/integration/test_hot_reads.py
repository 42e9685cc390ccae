"""The hot path's driver-level reads (`db.select_in`, `db.select_keys`) give exactly the rows and
Python values the toolkit's own SELECT gives, on SQLite and PostgreSQL, also past the number of
parameters one statement may carry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from carbonledger import db
from carbonledger.ingest import repository
from carbonledger.ingest.tables import daily_usage, trips
from carbonledger.platform import Platform
from carbonledger.points.tables import citizen_day_points

FIRST = date(2026, 11, 1)


def _fill(platform: Platform, citizens: int, days: int) -> None:
    with db.write(platform.engine) as conn:
        db.insert_rows(
            conn,
            citizen_day_points,
            [
                {"citizen_id": f"c{c:05d}", "day": FIRST + timedelta(days=d), "points": c * 100 + d}
                for c in range(citizens)
                for d in range(days)
            ],
        )


def test_select_in_matches_the_toolkit_beyond_one_statement(platform: Platform) -> None:
    _fill(platform, 33_000, 2)
    wanted = [f"c{c:05d}" for c in range(33_000)] + ["nobody"]
    days = {FIRST + timedelta(days=1)}
    names = ("citizen_id", "day", "points")
    with db.read(platform.engine) as conn:
        fast = db.select_in(conn, citizen_day_points, names, {"citizen_id": wanted, "day": days})
        slow = conn.execute(
            select(citizen_day_points).where(
                citizen_day_points.c.citizen_id.in_(wanted), citizen_day_points.c.day.in_(days)
            )
        ).all()
    assert len(fast) == 33_000
    assert sorted(fast) == sorted((r.citizen_id, r.day, r.points) for r in slow)
    assert all(type(day) is date for _, day, _ in fast)


def test_select_keys_reads_only_the_pairs_asked_for(platform: Platform) -> None:
    _fill(platform, 50, 5)
    pairs = {("c00003", FIRST), ("c00007", FIRST + timedelta(days=4)), ("c00099", FIRST)}
    names = ("citizen_id", "day", "points")
    with db.read(platform.engine) as conn:
        rows = db.select_keys(conn, citizen_day_points, names, ("citizen_id", "day"), pairs)
    assert sorted(rows) == [("c00003", FIRST, 300), ("c00007", FIRST + timedelta(days=4), 704)]


def test_read_values_come_back_in_python_form(platform: Platform) -> None:
    at = datetime(2026, 11, 3, 7, 30, 15, 123456, tzinfo=UTC)
    with db.write(platform.engine) as conn:
        db.insert_rows(
            conn,
            daily_usage,
            [
                {
                    "citizen_id": "c1",
                    "day": FIRST,
                    "scenario": "cycling",
                    "used_milli": 4200,
                    "last_record": "r1",
                }
            ],
        )
        db.insert_rows(
            conn,
            citizen_day_points,
            [{"citizen_id": "c1", "day": FIRST + timedelta(days=1), "points": 7}],
        )
    with db.read(platform.engine) as conn:
        usage = db.select_keys(
            conn,
            daily_usage,
            ("citizen_id", "day", "scenario", "used_milli"),
            ("citizen_id", "day"),
            [("c1", FIRST)],
        )
        assert usage == [("c1", FIRST, "cycling", 4200)]
        instant = db.fetch(
            conn, f"SELECT {db.parameter_mark(conn)}", [db.stored_instant(conn, at)]
        )[0][0]
    assert db.read_instant(instant) == at


def test_driver_level_errors_reach_callers_as_the_toolkits(platform: Platform) -> None:
    """A read or a COPY on the driver's own cursor fails with the toolkit's error classes, so
    the route helpers' retries and 503s treat it like any other statement's."""
    with pytest.raises(DBAPIError), db.read(platform.engine) as conn:
        db.fetch(conn, "SELECT no_such_column FROM citizen_day_points", [])
    row = {"citizen_id": "c1", "day": FIRST, "points": 1}
    with db.write(platform.engine) as conn:
        db.insert_rows(conn, citizen_day_points, [row])
    with pytest.raises(IntegrityError), db.write(platform.engine) as conn:
        db.insert_rows(conn, citizen_day_points, [row])  # COPY on PostgreSQL


def test_batch_look_ups_on_postgresql_read_by_index_whatever_the_history(
    pg_platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A few citizens with a long history: the reads of a batch (the dedupe's state, and
    `select_in` with one column fixed, as the idempotency check reads a partner's records) look
    each key up in its index (their cost follows the batch), never scan, hash or sort a whole
    table or all the rows of the fixed column."""
    start = datetime(2026, 1, 1, 7, tzinfo=UTC)
    with db.write(pg_platform.engine) as conn:
        db.insert_rows(
            conn,
            trips,
            [
                {
                    "record_id": f"t{c}-{n:05d}",
                    "citizen_id": f"c{c}",
                    "dedupe_group": "commute",
                    "scenario": "cycling",
                    "started_at": start + timedelta(hours=3 * n),
                    "ended_at": start + timedelta(hours=3 * n, minutes=30),
                }
                for c in range(3)
                for n in range(2_000)
            ],
        )
        db.insert_rows(
            conn,
            daily_usage,
            [
                {
                    "citizen_id": f"c{c}",
                    "day": FIRST - timedelta(days=d),
                    "scenario": "cycling",
                    "used_milli": 1_000,
                    "last_record": "r",
                }
                for c in range(3)
                for d in range(2_000)
            ],
        )
        # No ANALYZE: the plans must hold before autovacuum has counted the new rows too.
    plans: list[str] = []
    real_fetch = db.fetch

    def explaining(conn: Any, sql: str, parameters: Any) -> list[tuple[Any, ...]]:
        plan = real_fetch(conn, "EXPLAIN " + sql, parameters)
        plans.append("\n".join(line for (line,) in plan))
        return real_fetch(conn, sql, parameters)

    monkeypatch.setattr(db, "fetch", explaining)
    monkeypatch.setattr(repository, "fetch", explaining)
    claims = [
        SimpleNamespace(
            citizen_id=f"c{c}",
            day=FIRST - timedelta(days=n),
            scenario="cycling",
            evidence_key=None,
            occurred_at=start + timedelta(hours=3 * 100 * n, minutes=5),
            ended_at=start + timedelta(hours=3 * 100 * n, minutes=20),
        )
        for c in range(3)
        for n in range(20)
    ]
    with db.read(pg_platform.engine) as conn:
        state = repository.load_dedupe(conn, claims)  # type: ignore[arg-type]
        # A partner's records by external id, as every batch's idempotency check reads them.
        found = db.select_in(
            conn,
            daily_usage,
            ("citizen_id", "day"),
            {"day": [FIRST - timedelta(days=d) for d in range(0, 400, 20)]},
            equal={"citizen_id": "c1"},
        )
    assert sum(len(index) for index in state.trips.values()) == 60
    assert len(state.usage) == 60
    assert len(found) == 20
    assert len(plans) == 3
    for plan in plans:
        assert "Index" in plan, plan
        for whole_table in ("Seq Scan", "Hash Join", "Merge Join"):
            assert whole_table not in plan, plan
