"""The bounds of every date and number a client may send, checked once where the input is
parsed (API bodies, query parameters and page forms), so nothing out of range is ever stored
and no page breaks on what is. Pure.

An instant lies between 2000-01-01 and 2100-01-01 (UTC): any real reward, campaign, event or
record does, and every instant in that range has a local time in every zone. A count or an
amount of points is a whole number of at most 10^12 either way, far above any real stock or
budget and well inside a 64-bit column; whether it may be negative or zero is the service's
rule, with its own message.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_AMOUNT = 10**12


def instant_problem(value: datetime) -> str | None:
    """What is wrong with an instant a client sent, or None."""
    if value.tzinfo is None or value.utcoffset() is None:
        return "a date and time needs a time zone offset"
    if not EARLIEST <= value < LATEST:
        return f"a date and time lies from {EARLIEST:%Y-%m-%d} until {LATEST:%Y-%m-%d}"
    return None


def amount_problem(value: int) -> str | None:
    """What is wrong with a count or amount of points a client sent, or None."""
    if not -MAX_AMOUNT <= value <= MAX_AMOUNT:
        return f"a number of at most {MAX_AMOUNT:,}"
    return None


def _within(value: datetime) -> datetime:
    if problem := instant_problem(value if value.tzinfo else value.replace(tzinfo=UTC)):
        raise ValueError(problem)
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_within)]
"""An instant with its offset, within EARLIEST..LATEST."""

Moment = Annotated[datetime, AfterValidator(_within)]
"""A date and time within EARLIEST..LATEST; the service says whether it needs an offset."""

Amount = Annotated[int, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
"""A count, stock, budget or number of points, within ±MAX_AMOUNT."""


def whole_number(text: str) -> int | None:
    """A count a page form sent (ASCII digits, thousands commas allowed) within 0..MAX_AMOUNT;
    None for anything else. `str.isdigit` is not enough: it takes '²' and other digits that
    `int` refuses, and any length."""
    text = text.strip().replace(",", "")
    if not text or len(text) > 13 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if amount_problem(value) is None else None


def local_instant(text: str, zone: tzinfo) -> datetime:
    """A date and time a page form sent, in `zone` unless it names its own offset, within the
    bounds; ValueError saying what to fix."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("a date and time such as 2026-05-01 08:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if problem := instant_problem(moment):
        raise ValueError(problem)
    return moment
