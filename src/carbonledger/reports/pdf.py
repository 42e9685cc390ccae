"""The monthly report as a PDF: the key figures and charts first, then every section's table,
then the signed checkpoint that proves the credits are in the public log.

Chinese text needs a font with its glyphs: the configured TrueType font, else one found in the
usual system places (embedded, subset), else the standard PDF font STSong-Light, which readers
supply themselves.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    Preformatted,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as Grid

from carbonledger.reports import charts
from carbonledger.reports.monthly import Measure, MonthlyReport, Table, kg

SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)
_FALLBACK = "STSong-Light"
_GREEN = colors.HexColor("#17663a")
_TINT = colors.HexColor("#eef6f0")


@cache
def cjk_font(configured: str = "") -> str:
    """The name of a registered font that can write Chinese."""
    for candidate in (configured, *SYSTEM_FONTS) if configured else SYSTEM_FONTS:
        if candidate and Path(candidate).is_file():
            try:
                pdfmetrics.registerFont(TTFont("ReportCJK", candidate, subfontIndex=0))
            except TTFError:
                continue  # PostScript outlines or a broken file: try the next
            return "ReportCJK"
    pdfmetrics.registerFont(UnicodeCIDFont(_FALLBACK))
    return _FALLBACK


def _mass(milligrams: int) -> str:
    amount = kg(milligrams)
    return f"{amount / 1000:,.3f} t CO2e" if amount >= 1000 else f"{amount:,.3f} kg CO2e"


def _figure(measure: Measure, value: int) -> str:
    return f"{kg(value):,.3f}" if measure.kind == "mg" else f"{value:,}"


class _Styles:
    def __init__(self, font: str) -> None:
        self.font = font
        self.title = ParagraphStyle("title", fontName=font, fontSize=17, leading=22)
        self.heading = ParagraphStyle(
            "heading", fontName=font, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4
        )
        self.body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
        self.cell = ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9)
        self.number = ParagraphStyle("number", parent=self.cell, alignment=TA_RIGHT)


def _grid(table: Table, styles: _Styles) -> Grid:
    head = [f"{table.item_zh} {table.item_en}".strip() or "—"]
    head += [f"{m.zh}<br/>{m.en}{' (kg)' if m.kind == 'mg' else ''}" for m in table.measures]
    data: list[list[Any]] = [[Paragraph(text, styles.cell) for text in head]]
    for row in table.rows:
        data.append(
            [Paragraph(row.label, styles.cell)]
            + [Paragraph(_figure(m, row.values[m.key]), styles.number) for m in table.measures]
        )
    # Wide tables give their first column less room, so that every figure fits on one line.
    item_width = (46 if len(table.measures) <= 6 else 22) * mm
    width = (A4[0] - 30 * mm - item_width) / max(len(table.measures), 1)
    grid = Grid(data, colWidths=[item_width] + [width] * len(table.measures), repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), _TINT),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d6cd")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return grid


def _key_figures(report: MonthlyReport, styles: _Styles) -> Grid:
    [total] = report.totals.rows
    issued = next(row for row in report.points.rows if row.item == "issued")
    cells = (
        ("减排量 Reduction", _mass(total.values["reduction_mg"])),
        ("计入行为 Credited", f"{total.values['accepted']:,}"),
        ("累计参与 Participants", f"{total.values['participants']:,}"),
        ("新增参与 New", f"{total.values['new_participants']:,}"),
        ("发放积分 Points issued", f"{issued.values['points']:,}"),
    )
    big = ParagraphStyle("big", fontName=styles.font, fontSize=12, leading=15, textColor=_GREEN)
    data = [
        [Paragraph(name, styles.cell) for name, _ in cells],
        [Paragraph(value, big) for _, value in cells],
    ]
    grid = Grid(data, colWidths=[(A4[0] - 30 * mm) / len(cells)] * len(cells))
    grid.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), _TINT)]))
    return grid


def _proof(report: MonthlyReport, styles: _Styles) -> list[Any]:
    flow: list[Any] = [Paragraph("日志证明 Proof from the public log", styles.heading)]
    proof = report.proof
    if proof is None:
        return [*flow, Paragraph("日志尚无检查点。The log has no checkpoint yet.", styles.body)]
    text = (
        f"本报告计入的每一笔减排都是公开默克尔日志 {proof.origin} 的叶子。"
        f"生成报告时最新的签名检查点覆盖 {proof.size:,} 个叶子，根哈希 {proof.root}，签名于 "
        f"{proof.signed_at.isoformat(timespec='seconds')}。任何人都可以用下面的验证公钥独立核验："
        f"carbonledger verify --url &lt;平台地址&gt;。<br/>Every credit counted here is a leaf of "
        f"the public Merkle log {proof.origin}. The latest signed checkpoint covers "
        f"{proof.size:,} leaves with root {proof.root}; anyone can check it with the verifier "
        "key below."
    )
    note = ParagraphStyle("note", fontName="Courier", fontSize=7, leading=9)
    return [
        *flow,
        Paragraph(text, styles.body),
        Spacer(1, 4 * mm),
        Paragraph("验证公钥 Verifier key", styles.cell),
        Preformatted(proof.verifier_key, note),
        Spacer(1, 3 * mm),
        Paragraph("签名检查点 Signed checkpoint", styles.cell),
        Preformatted(proof.note, note),
    ]


def write_pdf(report: MonthlyReport, font_path: str = "") -> bytes:
    font = cjk_font(font_path)
    styles = _Styles(font)
    region = report.region or "全市 whole city"
    story: list[Any] = [
        Paragraph(f"碳普惠月度报告 {report.label}", styles.title),
        Paragraph(
            f"Monthly carbon-inclusion report · 地区 Region: {region} · "
            f"{report.month.isoformat()} – {report.last_day.isoformat()} · "
            f"生成 Generated {report.generated_at.isoformat(timespec='seconds')}",
            styles.body,
        ),
        Spacer(1, 5 * mm),
        _key_figures(report, styles),
        Spacer(1, 5 * mm),
        charts.daily_reduction(report, font),
        Spacer(1, 3 * mm),
        charts.monthly_trend(report, font),
        PageBreak(),
        charts.by_scenario(report, font),
        Spacer(1, 3 * mm),
        charts.points_flow(report, font),
    ]
    for table in report.sections:
        heading = Paragraph(f"{table.zh} {table.en}", styles.heading)
        # A short table stays with its heading; a long one splits across pages, head repeated.
        if len(table.rows) < 12:
            story.append(KeepTogether([heading, _grid(table, styles)]))
        else:
            story += [heading, _grid(table, styles)]
    story += _proof(report, styles)

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(
            15 * mm, 8 * mm, f"碳普惠月度报告 Monthly report {report.label} · {region}"
        )
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"{document.page}")
        canvas.restoreState()

    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"碳普惠月度报告 {report.label}",
        author="Carbon Ledger",
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
