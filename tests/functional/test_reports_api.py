"""The monthly report over HTTP (role `reports`) and from the command line, as files a
government office opens."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pypdf
from openpyxl import load_workbook

from carbonledger import clock
from carbonledger.config import Settings
from carbonledger.platform import Platform
from tests import factories
from tests.commands import run
from tests.factories import record
from tests.integration.helpers import submit

Served = tuple[Platform, str]


def _month() -> str:
    return clock.now().astimezone(Settings().zone).strftime("%Y-%m")


def test_an_operator_downloads_the_report_in_each_format(served: Served) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    factories.link(platform, partner.id, "u-1", factories.add_citizen(platform))
    with factories.operator_client(url, platform, ("reports",)) as operator:
        answers = {
            fmt: operator.get(
                "/api/v1/admin/reports/monthly", params={"month": _month(), "format": fmt}
            )
            for fmt in ("pdf", "xlsx", "csv")
        }
        bad = operator.get("/api/v1/admin/reports/monthly", params={"month": "November"})
    assert {fmt: a.status_code for fmt, a in answers.items()} == {
        "pdf": 200,
        "xlsx": 200,
        "csv": 200,
    }
    assert answers["pdf"].headers["content-type"] == "application/pdf"
    assert (
        f'filename="carbon-report-{_month()}.pdf"' in answers["pdf"].headers["content-disposition"]
    )
    assert len(pypdf.PdfReader(io.BytesIO(answers["pdf"].content)).pages) >= 3
    assert "证明 Proof" in load_workbook(io.BytesIO(answers["xlsx"].content)).sheetnames
    header = next(csv.reader(io.StringIO(answers["csv"].content.decode("utf-8-sig"))))
    assert header == ["section", "item", "label", "measure", "value"]
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_month")


def test_the_report_command_writes_the_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    platform = Platform.open(Settings(data_dir=data_dir))
    try:
        partner = factories.add_partner(platform)
        factories.link(platform, partner.id, "u-1", factories.add_citizen(platform))
        submit(platform, partner.id, [record()])
    finally:
        platform.close()
    target = tmp_path / "november.xlsx"
    made = run(data_dir, "report", "--month", _month(), "--format", "xlsx", "--output", str(target))
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == str(target)
    assert "1 credits" in made.stderr
    book = load_workbook(target)
    summary = {
        row[0]: row[1] for row in book["概要 Summary"].iter_rows(min_row=8, values_only=True)
    }
    assert summary["计入 credited"] == 1
    proof = {
        row[0]: row[1]
        for row in book["证明 Proof"].iter_rows(min_row=3, max_row=8, values_only=True)
    }
    assert proof["叶子数 Tree size"] == 1  # the command signs the newest leaf before reporting
    default = run(data_dir, "report", "--month", _month(), "--format", "pdf", cwd=tmp_path)
    assert default.returncode == 0, default.stderr
    assert (tmp_path / f"carbon-report-{_month()}.pdf").stat().st_size > 10_000
    refused = run(data_dir, "report", "--month", "2026-13")
    assert refused.returncode == 1
    assert "invalid_month" in refused.stderr
