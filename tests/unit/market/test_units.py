"""Serial ranges, unit counts and the buffer: the pure arithmetic the registry rests on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.market.units import (
    Span,
    buffer_units,
    cover_units,
    issue_spans,
    overlaps,
    parse_serial,
    parse_spans,
    serial,
    spans_text,
    take,
    total,
    units_of,
)


def test_a_lot_issues_whole_units_and_rounds_its_buffer_up() -> None:
    assert units_of(2_300_000, 1_000_000) == 2
    assert buffer_units(100, 500) == 5
    assert buffer_units(21, 500) == 2  # 1.05 rounded up
    assert buffer_units(10, 0) == 0
    assert issue_spans(100, 5) == (Span(1, 95), Span(96, 100))
    assert issue_spans(3, 3) == (None, Span(1, 3))


def test_a_reversal_cancels_at_least_its_size() -> None:
    assert cover_units(1, 1_000_000) == 1
    assert cover_units(1_000_000, 1_000_000) == 1
    assert cover_units(1_000_001, 1_000_000) == 2


def test_serials_are_written_and_read_back() -> None:
    text = serial("110000", 2026, 3, Span(1, 950))
    assert text == "110000-2026-3-1-950"
    assert parse_serial(text) == ("110000", 2026, 3, Span(1, 950))
    with pytest.raises(ValueError, match="not a serial range"):
        parse_serial("110000-2026-3-1")
    with pytest.raises(ValueError, match="runs from 1 upwards"):
        parse_serial("110000-2026-3-9-2")
    assert parse_spans(spans_text([Span(7, 9), Span(1, 2)])) == [Span(1, 2), Span(7, 9)]


def test_taking_more_than_held_names_what_is_held() -> None:
    with pytest.raises(ValueError, match="only 3 unit"):
        take([Span(1, 3)], 4)
    with pytest.raises(ValueError, match="at least one unit"):
        take([Span(1, 3)], 0)


def test_an_overlap_is_found() -> None:
    assert overlaps([Span(1, 5), Span(6, 9)]) is None
    assert overlaps([Span(6, 9), Span(1, 6)]) == Span(6, 9)


spans = st.lists(st.tuples(st.integers(1, 50), st.integers(0, 20)), min_size=1, max_size=8)


@given(spans, st.data())
def test_take_splits_without_creating_or_losing_a_serial(
    raw: list[tuple[int, int]], data: st.DataObject
) -> None:
    held, at = [], 1
    for gap, length in raw:
        held.append(Span(at + gap, at + gap + length))
        at += gap + length + 1
    count = data.draw(st.integers(1, total(held)))
    taken, left = take(held, count)
    assert total(taken) == count and total(left) == total(held) - count
    assert overlaps(taken + left) is None
    served = {n for s in taken + left for n in range(s.first, s.last + 1)}
    assert served == {n for s in held for n in range(s.first, s.last + 1)}
    assert max(s.last for s in taken) < min((s.first for s in left), default=10**9)
