"""Units and serial ranges. Pure.

An issued lot becomes `units = total_mg // unit_mg` units numbered 1 … units; a contiguous run
of them is written `<city>-<year>-<lot>-<first>-<last>` (e.g. `110000-2026-3-1-950`). The top
`buffer` serials (the buffer share, rounded up) stay in the buffer account, to be cancelled
when a credit of the lot is reversed after issue: a reversal of `g` mg cancels ⌈g / unit_mg⌉
units, at least its size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DEFAULT_UNIT_MG = 1_000_000  # 1 kg CO2e
DEFAULT_BUFFER_BP = 500  # 5 % in basis points
_BP = 10_000
_SERIAL = re.compile(r"^(\d{6})-(\d{4})-(\d+)-(\d+)-(\d+)$")


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Serials `first` … `last` (both included) of one lot."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.last:
            raise ValueError(f"a serial range runs from 1 upwards, not {self.first}-{self.last}")

    @property
    def units(self) -> int:
        return self.last - self.first + 1

    def text(self) -> str:
        return f"{self.first}-{self.last}"


def units_of(total_mg: int, unit_mg: int) -> int:
    """Whole units in a lot's total; the remainder under one unit is not issued."""
    return total_mg // unit_mg


def buffer_units(units: int, buffer_bp: int) -> int:
    """The buffer's share of `units`, rounded up so that the buffer is never short by rounding."""
    return -(-units * buffer_bp // _BP)


def cover_units(reduction_mg: int, unit_mg: int) -> int:
    """Units to cancel for a reversed credit: at least its size."""
    return -(-reduction_mg // unit_mg)


def issue_spans(units: int, buffer: int) -> tuple[Span | None, Span | None]:
    """(the pool's serials, the buffer's serials) of a freshly issued lot."""
    sold = units - buffer
    pool = Span(1, sold) if sold > 0 else None
    kept = Span(sold + 1, units) if buffer > 0 else None
    return pool, kept


def take(held: Sequence[Span], count: int) -> tuple[list[Span], list[Span]]:
    """The lowest `count` serials of `held` (sorted, disjoint): (taken, what is left)."""
    if count <= 0:
        raise ValueError("a movement takes at least one unit")
    taken: list[Span] = []
    left: list[Span] = []
    need = count
    for span in sorted(held):
        if need == 0:
            left.append(span)
        elif span.units <= need:
            taken.append(span)
            need -= span.units
        else:
            taken.append(Span(span.first, span.first + need - 1))
            left.append(Span(span.first + need, span.last))
            need = 0
    if need:
        raise ValueError(f"only {count - need} unit(s) are held, not {count}")
    return taken, left


def total(spans: Iterable[Span]) -> int:
    return sum(span.units for span in spans)


def lot_code(city: str, year: int, lot: int) -> str:
    """The lot's name in serials: `<city>-<year>-<lot>`."""
    return f"{city}-{year}-{lot}"


def serial(city: str, year: int, lot: int, span: Span) -> str:
    return f"{lot_code(city, year, lot)}-{span.first}-{span.last}"


def parse_serial(text: str) -> tuple[str, int, int, Span]:
    """(city, year, lot, span) of a serial range; ValueError naming the expected form."""
    match = _SERIAL.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a serial range <city>-<year>-<lot>-<first>-<last>")
    city, year, lot, first, last = match.groups()
    return city, int(year), int(lot), Span(int(first), int(last))


def spans_text(spans: Iterable[Span]) -> str:
    return ",".join(span.text() for span in sorted(spans))


def parse_spans(text: str) -> list[Span]:
    spans = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        spans.append(Span(int(first), int(last)))
    return spans


def overlaps(spans: Iterable[Span]) -> Span | None:
    """The first span that overlaps the one before it (in serial order), if any."""
    previous: Span | None = None
    for span in sorted(spans):
        if previous is not None and span.first <= previous.last:
            return span
        previous = span
    return None
