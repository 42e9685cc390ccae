"""Text in the spreadsheets and CSV files the platform writes never runs as a formula: a
partner named `=HYPERLINK(...)` or a user id such as `+1-2` stays text. Pure."""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import Cell, MergedCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: Any) -> Any:
    """A value for a CSV cell: text a spreadsheet would run as a formula gets a leading
    apostrophe, which spreadsheet programs read as 'this is text'; None is empty."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def set_value(cell: Cell | MergedCell, value: Any) -> Cell | MergedCell:
    """Put `value` in an XLSX cell; text is always stored as text, never as a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
