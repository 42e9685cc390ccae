"""The monthly report's charts, drawn as vector graphics for the PDF (reportlab.graphics): the
daily reduction, the six-month trend, the reduction by scenario and the points flow."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from carbonledger.reports.monthly import MonthlyReport, Table, kg

WIDTH, HEIGHT = 480, 200
GREEN = colors.HexColor("#17663a")
LIGHT = colors.HexColor("#8fcfa4")


def _titled(title: str, font: str, height: int = HEIGHT) -> Drawing:
    drawing = Drawing(WIDTH, height)
    drawing.add(String(0, height - 12, title, fontName=font, fontSize=10))
    return drawing


def _kg_series(table: Table) -> list[float]:
    # Display only: the figures themselves are in the tables, exact.
    return [float(kg(row.values["reduction_mg"])) for row in table.rows]


def _thousands(value: float) -> str:
    return f"{value:,.0f}"


def _axis_fonts(
    chart: VerticalBarChart | HorizontalBarChart | HorizontalLineChart, font: str
) -> None:
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = _thousands


def daily_reduction(report: MonthlyReport, font: str) -> Drawing:
    drawing = _titled("每日减排量 Daily reduction (kg CO2e)", font)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 25, WIDTH - 50, HEIGHT - 50
    chart.data = [_kg_series(report.daily)]
    chart.categoryAxis.categoryNames = [row.item[-2:] for row in report.daily.rows]
    chart.bars[0].fillColor = GREEN
    chart.barSpacing = 1
    _axis_fonts(chart, font)
    drawing.add(chart)
    return drawing


def monthly_trend(report: MonthlyReport, font: str) -> Drawing:
    drawing = _titled("近六个月减排量 Six-month trend (kg CO2e)", font)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 25, WIDTH - 50, HEIGHT - 50
    chart.data = [_kg_series(report.monthly)]
    chart.categoryAxis.categoryNames = [row.item for row in report.monthly.rows]
    chart.lines[0].strokeColor = GREEN
    chart.lines[0].strokeWidth = 2
    _axis_fonts(chart, font)
    drawing.add(chart)
    return drawing


def _horizontal(
    title: str, names: Sequence[str], values: Sequence[float], font: str, colour: colors.Color
) -> Drawing:
    height = max(90, 40 + 16 * len(names))
    drawing = _titled(title, font, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 20
    chart.width, chart.height = WIDTH - 160, height - 45
    chart.data = [list(values) or [0.0]]
    chart.categoryAxis.categoryNames = list(names) or ["—"]
    chart.bars[0].fillColor = colour
    _axis_fonts(chart, font)
    drawing.add(chart)
    return drawing


def by_scenario(report: MonthlyReport, font: str) -> Drawing:
    rows = sorted(report.by_scenario.rows, key=lambda row: row.values["reduction_mg"])
    return _horizontal(
        "按行为减排量 Reduction by scenario (kg CO2e)",
        [row.label.split(" ")[0] for row in rows],
        [float(kg(row.values["reduction_mg"])) for row in rows],
        font,
        GREEN,
    )


def points_flow(report: MonthlyReport, font: str) -> Drawing:
    rows = [row for row in report.points.rows if row.values["points"]]
    return _horizontal(
        "积分流向 Points flow",
        [row.label.split(" ")[0] for row in reversed(rows)],
        [float(row.values["points"]) for row in reversed(rows)],
        font,
        LIGHT,
    )
