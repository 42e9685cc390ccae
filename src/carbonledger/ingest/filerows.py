"""Records from a file for `carbonledger import`: JSON Lines or CSV, read row by row with line
numbers, so a file of any size is read in constant memory. Pure.

JSON Lines: one record object (PARTNER_API.md §2) per line; blank lines are skipped.
CSV: a header row naming the record fields, with `evidence.key` and `evidence.embodied_g` style
columns for the evidence object; an empty cell leaves its field out. `quantity` and
`evidence.embodied_g` cells that read as numbers become numbers; any other text is passed on as
it is, so the pipeline rejects the record with the `invalid_field` error a partner would get.

A row that cannot be read as a record at all (malformed JSON, a line that is not an object, a
CSV row with more or fewer cells than the header, bytes that are not UTF-8) comes back with a
`problem` instead of a record; it is reported, never raised.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from carbonledger.ingest.records import FIELDS

FORMATS = ("jsonl", "csv")
_EVIDENCE = "evidence."
_NUMERIC_COLUMNS = frozenset({"quantity", "evidence.embodied_g"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_BOM = "\ufeff"


class FileFormatError(ValueError):
    """The file as a whole cannot be imported (unknown format, bad CSV header)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the file: its first line number and the record, or why it is unreadable."""

    line: int
    record: dict[str, Any] | None
    problem: str | None = None

    @property
    def external_id(self) -> str | None:
        value = self.record.get("external_id") if self.record else None
        return value if isinstance(value, str) else None


def format_of(name: str, declared: str | None = None) -> str:
    """The format of a file: as declared, or from its name (`.csv`, else JSON Lines)."""
    chosen = declared or ("csv" if name.lower().endswith(".csv") else "jsonl")
    if chosen not in FORMATS:
        raise FileFormatError(f"the format must be one of {', '.join(FORMATS)}, not {chosen!r}")
    return chosen


class CountingLines:
    """The lines of a binary stream, with the bytes read so far (for a progress bar)."""

    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self._stream:
            self.bytes_read += len(line)
            yield line


def rows(lines: Iterable[bytes], file_format: str) -> Iterator[Row]:
    """Every row of the file, in order."""
    return _jsonl_rows(lines) if file_format == "jsonl" else _csv_rows(lines)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _jsonl_rows(lines: Iterable[bytes]) -> Iterator[Row]:
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield Row(number, None, "the line is not UTF-8 text")
            continue
        if number == 1:
            text = text.removeprefix(_BOM)
        if not text.strip():
            continue
        try:
            value = json.loads(text, parse_constant=_no_constants)
        except (ValueError, RecursionError):
            yield Row(number, None, "the line is not valid JSON")
            continue
        if not isinstance(value, dict):
            yield Row(number, None, "the line must hold one JSON object: a record")
            continue
        yield Row(number, value)


def _decoded(lines: Iterable[bytes]) -> Iterator[str]:
    # Undecodable bytes become lone surrogates, so the CSV reader keeps its place and the row
    # that holds them is reported by line number.
    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", errors="surrogateescape")
        yield text.removeprefix(_BOM) if number == 1 else text


def _is_text(cell: str) -> bool:
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_header(header: list[str]) -> None:
    if not header:
        raise FileFormatError("the CSV file is empty; its first row must name the record fields")
    unknown = [name for name in header if name not in FIELDS and not name.startswith(_EVIDENCE)]
    if unknown or "evidence" in header:
        named = ", ".join(repr(name) for name in unknown or ["evidence"])
        fields = ", ".join(sorted(FIELDS - {"evidence"}))
        raise FileFormatError(
            f"the CSV header names {named}, not record fields; the columns are {fields} "
            "and evidence.<name> columns such as evidence.key"
        )
    if len(set(header)) != len(header):
        raise FileFormatError("the CSV header names a column twice")


def _cell_value(column: str, cell: str) -> Any:
    if column in _NUMERIC_COLUMNS and _NUMBER.match(cell):
        return int(cell) if _INTEGER.match(cell) else float(cell)
    return cell


def _record(header: list[str], cells: list[str]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, cell in zip(header, cells, strict=True):
        if cell == "":
            continue
        if column.startswith(_EVIDENCE):
            record.setdefault("evidence", {})[column[len(_EVIDENCE) :]] = _cell_value(column, cell)
        else:
            record[column] = _cell_value(column, cell)
    return record


def _csv_rows(lines: Iterable[bytes]) -> Iterator[Row]:
    reader = csv.reader(_decoded(lines))
    try:
        header = next(reader, [])
    except csv.Error as error:
        raise FileFormatError(f"the CSV header cannot be read: {error}") from None
    _check_header(header)
    if not all(_is_text(name) for name in header):
        raise FileFormatError("the CSV header is not UTF-8 text")
    while True:
        first_line = reader.line_num + 1
        try:
            cells = next(reader, None)
        except csv.Error as error:
            yield Row(first_line, None, f"the row is not valid CSV: {error}")
            continue
        if cells is None:
            return
        if not any(cells):
            continue
        if len(cells) != len(header):
            yield Row(
                first_line,
                None,
                f"the row has {len(cells)} cells; the header names {len(header)} columns",
            )
        elif not all(_is_text(cell) for cell in cells):
            yield Row(first_line, None, "the row is not UTF-8 text")
        else:
            yield Row(first_line, _record(header, cells))
