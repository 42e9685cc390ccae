"""The monthly report as an Excel workbook: a summary sheet (the month, the totals, the proof),
then one sheet per section with its figures, and native charts of the daily and six-month
trends. Reductions are in kilograms CO2e (exact to the milligram the ledger keeps)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from carbonledger.cells import set_value
from carbonledger.reports.monthly import Measure, MonthlyReport, Table, kg

SHEETS = {
    "totals": "概要 Summary",
    "by_scenario": "行为 Scenarios",
    "by_region": "地区 Districts",
    "by_partner": "合作方 Partners",
    "daily": "每日 Daily",
    "monthly": "月度 Monthly",
    "points": "积分 Points",
}
PROOF_SHEET = "证明 Proof"
_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="DFF3E5")
_KG = "#,##0.000"
_COUNT = "#,##0"


def heading(measure: Measure) -> str:
    unit = " (kg CO2e)" if measure.kind == "mg" else ""
    return f"{measure.zh} {measure.en}{unit}"


def _cell(measure: Measure, value: int) -> Any:
    return float(kg(value)) if measure.kind == "mg" else value


def _header(sheet: Worksheet, row: int, titles: list[str]) -> None:
    for column, title in enumerate(titles, start=1):
        cell = set_value(sheet.cell(row=row, column=column), title)
        cell.font, cell.fill = _BOLD, _HEAD
        cell.alignment = Alignment(wrap_text=True)


def _section(sheet: Worksheet, table: Table) -> None:
    sheet["A1"] = f"{table.zh} {table.en}"
    sheet["A1"].font = Font(bold=True, size=13)
    _header(sheet, 3, [f"{table.item_zh} {table.item_en}", *map(heading, table.measures)])
    for offset, row in enumerate(table.rows):
        set_value(sheet.cell(row=4 + offset, column=1), row.label)
        for column, measure in enumerate(table.measures, start=2):
            cell = sheet.cell(row=4 + offset, column=column)
            cell.value = _cell(measure, row.values[measure.key])
            cell.number_format = _KG if measure.kind == "mg" else _COUNT
    sheet.column_dimensions["A"].width = 28
    for letter in "BCDEFGHI":
        sheet.column_dimensions[letter].width = 16
    sheet.freeze_panes = "B4"


def _summary(sheet: Worksheet, report: MonthlyReport) -> None:
    sheet["A1"] = f"碳普惠月度报告 Monthly carbon-inclusion report {report.label}"
    sheet["A1"].font = Font(bold=True, size=14)
    meta = (
        ("月份 Month", report.label),
        ("地区 Region", report.region or "全市 whole city"),
        ("生成时间 Generated", report.generated_at.isoformat(timespec="seconds")),
    )
    for offset, (name, value) in enumerate(meta, start=3):
        set_value(sheet.cell(row=offset, column=1), name).font = _BOLD
        set_value(sheet.cell(row=offset, column=2), value)
    _header(sheet, 7, ["指标 Measure", "数值 Value"])
    [total] = report.totals.rows
    for offset, measure in enumerate(report.totals.measures, start=8):
        set_value(sheet.cell(row=offset, column=1), heading(measure))
        cell = sheet.cell(row=offset, column=2, value=_cell(measure, total.values[measure.key]))
        cell.number_format = _KG if measure.kind == "mg" else _COUNT
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 30


def _proof(sheet: Worksheet, report: MonthlyReport) -> None:
    sheet["A1"] = "日志证明 Proof: the latest signed checkpoint of the public log"
    sheet["A1"].font = Font(bold=True, size=13)
    proof = report.proof
    if proof is None:
        sheet["A3"] = "日志尚无检查点 The log has no checkpoint yet"
        return
    rows: tuple[tuple[str, str | int], ...] = (
        ("日志 Log", proof.origin),
        ("叶子数 Tree size", proof.size),
        ("根哈希 Root hash", proof.root),
        ("签名时间 Signed at", proof.signed_at.isoformat(timespec="seconds")),
        ("验证公钥 Verifier key", proof.verifier_key),
        ("验证 Verify", "carbonledger verify --url <platform address>"),
    )
    for offset, (name, value) in enumerate(rows, start=3):
        set_value(sheet.cell(row=offset, column=1), name).font = _BOLD
        set_value(sheet.cell(row=offset, column=2), value)
    sheet.cell(row=10, column=1, value="签名检查点 Signed checkpoint").font = _BOLD
    for offset, line in enumerate(proof.note.splitlines(), start=11):
        set_value(sheet.cell(row=offset, column=1), line).font = Font(name="Courier New")
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 80


def _chart(sheet: Worksheet, table: Table, measure: str, chart: BarChart | LineChart) -> None:
    column = 2 + [m.key for m in table.measures].index(measure)
    last = 3 + len(table.rows)
    chart.add_data(Reference(sheet, min_col=column, min_row=3, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=4, max_row=last))
    chart.y_axis.title = "kg CO2e"
    chart.height, chart.width = 8, 18
    sheet.add_chart(chart, f"A{last + 3}")


def write_xlsx(report: MonthlyReport) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = SHEETS["totals"]
    _summary(summary, report)
    for table in report.sections[1:]:
        sheet = book.create_sheet(SHEETS[table.key])
        _section(sheet, table)
        if table.key == "daily":
            daily = BarChart()
            daily.title = "每日减排量 Daily reduction"
            _chart(sheet, table, "reduction_mg", daily)
        elif table.key == "monthly":
            trend = LineChart()
            trend.title = "月度减排量 Monthly reduction"
            _chart(sheet, table, "reduction_mg", trend)
    _proof(book.create_sheet(PROOF_SHEET), report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
