"""Values in SQLite's storage form, as the hot path writes them: the text SQLAlchemy stores for
an instant (UTC, to the microsecond), whatever zone or offset the instant carries, and a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from carbonledger import db

_ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-12, minutes=-30))]
    + [ZoneInfo(name) for name in ("Asia/Shanghai", "America/New_York", "Europe/London")]
)


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)), _ZONES)
def test_an_instant_is_its_utc_time_to_the_microsecond(naive: datetime, zone: object) -> None:
    value = naive.replace(tzinfo=zone)  # type: ignore[arg-type]
    u = value.astimezone(UTC)
    # SQLAlchemy's storage format for SQLite's DATETIME.
    expected = (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d} "
        f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}"
    )
    assert db._sqlite_instant(value) == expected
    assert db._sqlite_instant(value) == expected  # the same when kept


def test_two_times_a_clock_shows_twice_are_an_hour_apart() -> None:
    zone = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=zone)  # 01:30 comes twice that night
    second = first.replace(fold=1)
    assert first == second  # Python compares them equal, so no cache may confuse them
    assert db._sqlite_instant(first) == "2026-11-01 05:30:00.000000"
    assert db._sqlite_instant(second) == "2026-11-01 06:30:00.000000"
    assert db._sqlite_instant(first) == "2026-11-01 05:30:00.000000"


def test_a_day_is_its_iso_date() -> None:
    assert db._sqlite_day(date(2026, 1, 5)) == "2026-01-05"
    assert db._sqlite_day(date(2026, 1, 5)) == "2026-01-05"
