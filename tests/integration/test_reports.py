"""The government's monthly report from a real database, on SQLite and PostgreSQL: the figures
equal the government ledger's, the files open with those figures (CSV rows, XLSX sheets, PDF
pages), a district's report holds only its districts, and the proof is the latest checkpoint."""

from __future__ import annotations

import base64
import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from openpyxl import load_workbook

from carbonledger import clock, db
from carbonledger.errors import CarbonLedgerError
from carbonledger.ledgers import service as ledgers
from carbonledger.platform import Platform
from carbonledger.reports import service
from carbonledger.reports.monthly import MonthlyReport, kg, month_range
from carbonledger.reports.xlsx import SHEETS
from carbonledger.translog import repository as log_repo
from carbonledger.translog.publisher import publish_and_cosign
from tests import factories
from tests.factories import record
from tests.integration.helpers import submit


def _city(platform: Platform) -> None:
    """Two partners in two districts, trips reported twice, steps, an unlinked user."""
    bike, maps = factories.add_partner(platform), factories.add_partner(platform)
    for n in range(3):
        citizen = factories.add_citizen(platform)
        factories.link(platform, bike.id, f"b{n}", citizen)
        factories.link(platform, maps.id, f"m{n}", citizen)
    start = clock.now() - timedelta(hours=3)
    submit(
        platform,
        bike.id,
        [
            record(user=f"b{n}", start=start + timedelta(minutes=n), region="110108")
            for n in range(3)
        ]
        + [record(user="nobody", start=start, region="110108")],
    )
    submit(
        platform,
        maps.id,
        [
            record(user="m0", start=start, region="110108"),  # the same trip: a duplicate
            record("walking", user="m1", quantity=8000, start=start, region="110105"),
        ],
    )
    publish_and_cosign(platform, clock.now())


def _month(platform: Platform) -> str:
    return ledgers.today_in(platform.settings.zone, clock.now()).strftime("%Y-%m")


def _report(platform: Platform, region: str | None = None) -> tuple[MonthlyReport, dict[str, Any]]:
    month = _month(platform)
    first, last = month_range(service.parse_month(month))
    with db.read(platform.engine) as conn:
        made = service.monthly(conn, platform, month, region, clock.now())
        ledger = ledgers.government(conn, platform.settings.zone, first, last, region)
    return made, ledger


def test_the_report_equals_the_government_ledger(platform: Platform) -> None:
    _city(platform)
    made, ledger = _report(platform)
    [total] = made.totals.rows
    for name in ("accepted", "duplicate", "pending", "reduction_mg", "points", "participants"):
        assert total.values[name] == ledger["totals"][name], name
    assert total.values["participants"] == 3
    assert made.by_region.total("reduction_mg") == ledger["totals"]["reduction_mg"]
    assert made.by_partner.total("accepted") == ledger["totals"]["accepted"]
    assert made.daily.total("reduction_mg") == ledger["totals"]["reduction_mg"]
    assert made.monthly.rows[-1].values["reduction_mg"] == ledger["totals"]["reduction_mg"]
    issued = next(row for row in made.points.rows if row.item == "issued")
    assert issued.values["points"] == ledger["points"]["issued"]
    with db.read(platform.engine) as conn:
        latest = log_repo.latest_checkpoint(conn)
    assert made.proof is not None and latest is not None
    assert (made.proof.size, made.proof.root) == (
        latest.size,
        base64.b64encode(latest.root).decode(),
    )


def test_the_files_carry_the_ledgers_figures(platform: Platform) -> None:
    _city(platform)
    made, ledger = _report(platform)
    totals = ledger["totals"]
    rows = list(
        csv.DictReader(io.StringIO(service.render(made, platform, "csv").decode("utf-8-sig")))
    )
    figures = {
        (r["section"], r["item"], r["measure"]): int(r["value"])
        for r in rows
        if r["value"].isdigit()
    }
    for name in ("accepted", "reduction_mg", "points", "participants"):
        assert figures[("totals", "total", name)] == totals[name]
    assert (
        sum(v for (s, _, m), v in figures.items() if s == "by_partner" and m == "accepted")
        == totals["accepted"]
    )

    book = load_workbook(io.BytesIO(service.render(made, platform, "xlsx")))
    summary = {
        row[0]: row[1] for row in book[SHEETS["totals"]].iter_rows(min_row=8, values_only=True)
    }
    assert summary["计入 credited"] == totals["accepted"]
    assert summary["累计参与人数 participants to date"] == totals["participants"]
    assert Decimal(str(summary["减排量 reduction (kg CO2e)"])) == kg(totals["reduction_mg"])
    scenarios = list(book[SHEETS["by_scenario"]].iter_rows(min_row=4, values_only=True))
    assert sum(row[1] for row in scenarios) == totals["accepted"]

    reader = pypdf.PdfReader(io.BytesIO(service.render(made, platform, "pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 3
    assert f"{kg(totals['reduction_mg']):,.3f}" in text
    assert made.proof is not None and made.proof.root in text


def test_a_districts_report_holds_only_its_districts(platform: Platform) -> None:
    _city(platform)
    made, ledger = _report(platform, "110105")
    assert [row.item for row in made.by_region.rows] == ["110105"]
    assert [row.item for row in made.by_scenario.rows] == ["walking"]
    assert made.totals.rows[0].values["accepted"] == ledger["totals"]["accepted"] == 1
    assert service.filename(made, "pdf") == f"carbon-report-{_month(platform)}-110105.pdf"


def test_a_bad_month_or_region_is_refused(platform: Platform) -> None:
    for month, region, code in (
        ("2026-13", None, "invalid_month"),
        ("2026-11", "1101x", "invalid_region"),
    ):
        with db.read(platform.engine) as conn, pytest.raises(CarbonLedgerError) as refused:
            service.monthly(conn, platform, month, region, clock.now())
        assert refused.value.code == code
