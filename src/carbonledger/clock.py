"""The one clock. Entry points read `now()` once and pass the instant down, so a whole batch
sees one time and tests can fix it."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current instant, timezone-aware in UTC, to the microsecond."""
    return datetime.now(UTC)
