"""Reading an import file: records with their line numbers from JSON Lines and CSV, unreadable
rows reported by line, never raised; a CSV file carries the same records as JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.ingest.filerows import (
    CountingLines,
    FileFormatError,
    Row,
    format_of,
    rows,
)


def _read(text: str | bytes, file_format: str) -> list[Row]:
    data = text.encode() if isinstance(text, str) else text
    return list(rows(io.BytesIO(data), file_format))


def test_jsonl_records_keep_their_line_numbers() -> None:
    text = '{"external_id": "a"}\n\n  \n{"external_id": "b", "quantity": 2}\n'
    found = _read(text, "jsonl")
    assert [(r.line, r.record) for r in found] == [
        (1, {"external_id": "a"}),
        (4, {"external_id": "b", "quantity": 2}),
    ]
    assert found[0].external_id == "a" and found[0].problem is None


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"{bad json", "not valid JSON"),
        (b'["a", "list"]', "one JSON object"),
        (b'{"quantity": NaN}', "not valid JSON"),
        (b'{"user": "\xff\xfe"}', "not UTF-8"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_an_unreadable_jsonl_line_is_a_row_with_its_problem(line: bytes, problem: str) -> None:
    found = _read(b'{"external_id": "a"}\n' + line + b'\n{"external_id": "c"}\n', "jsonl")
    assert [r.line for r in found] == [1, 2, 3]
    assert found[1].record is None and found[1].external_id is None
    assert found[1].problem is not None and problem in found[1].problem
    assert found[2].record == {"external_id": "c"}


def test_a_byte_order_mark_is_not_part_of_the_first_row() -> None:
    assert _read('\ufeff{"external_id": "a"}\n', "jsonl")[0].record == {"external_id": "a"}
    assert _read("\ufeffexternal_id\na\n", "csv")[0].record == {"external_id": "a"}


def test_csv_columns_become_record_fields_and_evidence() -> None:
    text = (
        "external_id,user,scenario,occurred_at,quantity,region,evidence.key,evidence.embodied_g\n"
        "s-1,u-1,secondhand,2026-11-01T16:00:00+08:00,1,110108,item-9,2500.5\n"
        "s-2,u-2,walking,2026-11-01T21:30:00+08:00,8000,,,\n"
    )
    first, second = _read(text, "csv")
    assert (first.line, second.line) == (2, 3)
    assert first.record == {
        "external_id": "s-1",
        "user": "u-1",
        "scenario": "secondhand",
        "occurred_at": "2026-11-01T16:00:00+08:00",
        "quantity": 1,
        "region": "110108",
        "evidence": {"key": "item-9", "embodied_g": 2500.5},
    }
    assert second.record == {
        "external_id": "s-2",
        "user": "u-2",
        "scenario": "walking",
        "occurred_at": "2026-11-01T21:30:00+08:00",
        "quantity": 8000,
    }


def test_a_csv_cell_that_is_not_a_number_is_passed_on_for_the_pipeline_to_reject() -> None:
    (row,) = _read("external_id,quantity,region\nq-1,4.2km,007\n", "csv")
    assert row.record == {"external_id": "q-1", "quantity": "4.2km", "region": "007"}


def test_csv_rows_that_cannot_be_records_are_reported_by_line() -> None:
    text = 'external_id,user\na,u-1\nb,u-2,extra\n"c","multi\nline"\nd\n,\n'
    found = _read(text.encode() + b"e,u-\xff\n", "csv")
    assert [(r.line, r.external_id, r.problem is None) for r in found] == [
        (2, "a", True),
        (3, None, False),
        (4, "c", True),
        (6, None, False),
        (8, None, False),
    ]
    assert found[1].problem == "the row has 3 cells; the header names 2 columns"
    assert found[2].record == {"external_id": "c", "user": "multi\nline"}
    assert found[4].problem == "the row is not UTF-8 text"


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("", "empty"),
        ("external_id,colour\n", "'colour'"),
        ("external_id,evidence\n", "'evidence'"),
        ("external_id,external_id\n", "twice"),
    ],
)
def test_a_bad_csv_header_refuses_the_file(header: str, fragment: str) -> None:
    with pytest.raises(FileFormatError, match=fragment):
        _read(header, "csv")


def test_the_format_comes_from_the_name_unless_declared() -> None:
    assert format_of("records.CSV") == "csv"
    assert format_of("records.jsonl") == "jsonl"
    assert format_of("records.txt", "csv") == "csv"
    with pytest.raises(FileFormatError, match="jsonl, csv"):
        format_of("records.xml", "xml")


def test_the_bytes_read_are_counted() -> None:
    data = b'{"external_id": "a"}\n{"external_id": "b"}\n'
    lines = CountingLines(io.BytesIO(data))
    reader = rows(lines, "jsonl")
    next(reader)
    assert lines.bytes_read == 21
    list(reader)
    assert lines.bytes_read == len(data)


_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), min_size=1, max_size=20
)
_records = st.fixed_dictionaries(
    {"external_id": _text, "user": _text, "scenario": _text},
    optional={
        "quantity": st.integers(1, 10**9) | st.floats(0.001, 1e6),
        "region": _text,
        "evidence": st.fixed_dictionaries({}, optional={"key": _text}).filter(bool),
    },
)
_COLUMNS = ["external_id", "user", "scenario", "quantity", "region", "evidence.key"]


def _as_csv(records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_COLUMNS)
    for record in records:
        flat = {**record, **{f"evidence.{k}": v for k, v in record.get("evidence", {}).items()}}
        writer.writerow([flat.get(column, "") for column in _COLUMNS])
    return out.getvalue().encode()


@given(st.lists(_records, max_size=8))
def test_csv_and_jsonl_carry_the_same_records(records: list[dict[str, Any]]) -> None:
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    from_jsonl = [r.record for r in _read(jsonl, "jsonl")]
    from_csv = [r.record for r in _read(_as_csv(records), "csv")]
    assert from_jsonl == records
    assert from_csv == records
