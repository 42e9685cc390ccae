"""Assembling the monthly report from a government ledger: every day of the month, six months
of trend, names for scenarios and partners, the points flow; and the three writers' files
opened again (CSV rows, XLSX sheets, PDF pages) with the same figures."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from carbonledger.reports import pdf
from carbonledger.reports.csv_out import write_csv
from carbonledger.reports.monthly import (
    MonthlyReport,
    Proof,
    assemble,
    kg,
    month_range,
    months_before,
)
from carbonledger.reports.pdf import write_pdf
from carbonledger.reports.xlsx import SHEETS, write_xlsx

COUNTS = {"accepted": 3, "duplicate": 1, "pending": 0, "rejected": 2, "reduction_mg": 1_234_567}


def _ledger(days: list[str]) -> dict[str, object]:
    per_day = [{"day": day, **COUNTS, "points": 1234} for day in days]
    total = {k: v * len(days) for k, v in {**COUNTS, "points": 1234}.items()}
    return {
        "region": None,
        "totals": {**total, "participants": 7, "new_participants": 2, "citizen_days": 9},
        "by_scenario": [
            {"scenario": "cycling", **total},
            {"scenario": "", **dict.fromkeys(total, 0)},
        ],
        "by_region": [{"region": "110108", **total}],
        "by_partner": [{"partner": "bike", **total}],
        "by_day": per_day,
        "points": {"issued": total["points"], "outstanding": total["points"] - 5, "expired": 5},
    }


PROOF = Proof(
    origin="carbonledger.local/log",
    size=42,
    root="ROOTHASHBASE64=",
    signed_at=datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
    note="carbonledger.local/log\n42\nROOTHASHBASE64=\n\n— carbonledger.local/log abc=\n",
    verifier_key="carbonledger.local/log+01020304+AQID",
)


def _report() -> MonthlyReport:
    ledger = _ledger(["2026-11-03", "2026-11-04"])
    history = _ledger(["2026-07-15", "2026-11-03", "2026-11-04"])
    return assemble(
        ledger,
        history,
        month=date(2026, 11, 1),
        generated_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        scenario_names={"cycling": ("骑行", "Cycling")},
        partner_names={"bike": "单车出行"},
        proof=PROOF,
    )


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_a_month_runs_from_its_first_to_its_last_day(day: date) -> None:
    first, last = month_range(day)
    assert first == day.replace(day=1) and last.month == day.month
    assert date.fromordinal(last.toordinal() + 1).day == 1
    assert months_before(first, 12) == first.replace(year=first.year - 1)


def test_the_report_covers_every_day_and_six_months() -> None:
    report = _report()
    assert report.daily.rows[0].item == "2026-11-01"
    assert len(report.daily.rows) == 30
    assert report.daily.total("accepted") == 6
    months = {row.item: row.values["accepted"] for row in report.monthly.rows}
    assert months == {
        "2026-06": 0,
        "2026-07": 3,
        "2026-08": 0,
        "2026-09": 0,
        "2026-10": 0,
        "2026-11": 6,
    }
    assert [row.label for row in report.by_scenario.rows] == ["骑行 Cycling"]
    assert [row.label for row in report.by_partner.rows] == ["单车出行"]


def test_the_csv_has_one_figure_a_row() -> None:
    rows = list(csv.DictReader(io.StringIO(write_csv(_report()).decode("utf-8-sig"))))
    figures = {(r["section"], r["item"], r["measure"]): r["value"] for r in rows}
    assert figures[("totals", "total", "reduction_mg")] == str(2 * 1_234_567)
    assert figures[("totals", "total", "participants")] == "7"
    assert figures[("proof", "checkpoint", "root")] == "ROOTHASHBASE64="
    assert figures[("points", "expired", "points")] == "5"
    daily = [r for r in rows if r["section"] == "daily" and r["measure"] == "accepted"]
    assert len(daily) == 30


def test_the_workbook_has_a_sheet_per_section_and_its_totals() -> None:
    book = load_workbook(io.BytesIO(write_xlsx(_report())))
    assert book.sheetnames == [*SHEETS.values(), "证明 Proof"]
    summary = {
        row[0]: row[1] for row in book[SHEETS["totals"]].iter_rows(min_row=8, values_only=True)
    }
    assert summary["计入 credited"] == 6
    assert Decimal(str(summary["减排量 reduction (kg CO2e)"])) == kg(2 * 1_234_567)
    daily = book[SHEETS["daily"]]
    assert daily.max_row == 3 + 30
    assert len(daily._charts) == 1  # openpyxl keeps a sheet's charts there
    proof = {
        row[0]: row[1]
        for row in book["证明 Proof"].iter_rows(min_row=3, max_row=8, values_only=True)
    }
    assert proof["叶子数 Tree size"] == 42


def test_the_pdf_has_its_pages_figures_and_proof() -> None:
    reader = pypdf.PdfReader(io.BytesIO(write_pdf(_report())))
    assert len(reader.pages) >= 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Monthly carbon-inclusion report" in text
    assert "2.469" in text  # 2 × 1,234,567 mg = 2.469 kg
    assert "ROOTHASHBASE64=" in text
    assert "carbonledger.local/log+01020304+AQID" in text
    assert "Daily reduction" in text and "Six-month trend" in text


def test_without_a_truetype_font_the_pdf_uses_the_standard_chinese_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pdf, "SYSTEM_FONTS", ())
    pdf.cjk_font.cache_clear()
    try:
        assert pdf.cjk_font("/no/such/font.ttf") == "STSong-Light"
        reader = pypdf.PdfReader(io.BytesIO(pdf.write_pdf(_report(), "/no/such/font.ttf")))
    finally:
        pdf.cjk_font.cache_clear()
    text = reader.pages[0].extract_text()
    assert "碳普惠月度报告" in text
