"""The monthly report from the database: the government ledger of the month and of the six
months before it (for the trend), the names of scenarios and partners, and the latest signed
checkpoint of the log as proof; written in the asked format."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.engine import Connection

from carbonledger.accounts import service as accounts
from carbonledger.errors import InvalidInput
from carbonledger.ledgers import service as ledgers
from carbonledger.platform import Platform
from carbonledger.reports.csv_out import write_csv
from carbonledger.reports.monthly import (
    TREND_MONTHS,
    MonthlyReport,
    Proof,
    assemble,
    month_range,
    months_before,
)
from carbonledger.reports.pdf import write_pdf
from carbonledger.reports.xlsx import write_xlsx
from carbonledger.translog import publisher
from carbonledger.translog import repository as log_repo

FORMATS: dict[str, tuple[str, Callable[[MonthlyReport, Platform], bytes]]] = {
    "pdf": (
        "application/pdf",
        lambda report, platform: write_pdf(report, platform.settings.report_font),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda report, _: write_xlsx(report),
    ),
    "csv": ("text/csv; charset=utf-8", lambda report, _: write_csv(report)),
}
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_REGION = re.compile(r"^\d{2,6}$")


def parse_month(text: str) -> date:
    match = _MONTH.match(text.strip())
    if match is None:
        raise InvalidInput("month: give it as YYYY-MM, e.g. 2026-11", code="invalid_month")
    return date(int(match.group(1)), int(match.group(2)), 1)


def check_region(region: str | None) -> str | None:
    if region and not _REGION.match(region):
        raise InvalidInput(
            "region: 2 to 6 digits of an administrative division code, e.g. 110108",
            code="invalid_region",
        )
    return region or None


def _proof(conn: Connection, platform: Platform) -> Proof | None:
    latest = log_repo.latest_checkpoint(conn)
    note = publisher.served_note(conn)
    if latest is None or note is None:
        return None
    return Proof(
        origin=platform.settings.log_origin,
        size=int(latest.size),
        root=base64.b64encode(latest.root).decode(),
        signed_at=latest.created_at,
        note=note,
        verifier_key=platform.log_signer.verifier_key(),
    )


def monthly(
    conn: Connection, platform: Platform, month: str, region: str | None, now: datetime
) -> MonthlyReport:
    """The monthly report of `month` (YYYY-MM), for the districts under `region` or the city."""
    first, last = month_range(parse_month(month))
    region = check_region(region)
    zone = platform.settings.zone
    catalogue = platform.refresh_catalogue(conn)
    return assemble(
        ledgers.government(conn, zone, first, last, region, rows=False),
        ledgers.government(
            conn, zone, months_before(first, TREND_MONTHS - 1), last, region, rows=False
        ),
        month=first,
        generated_at=now,
        scenario_names={s.code: (s.name_zh, s.name_en) for s in catalogue.scenarios},
        partner_names=accounts.partner_names(conn),
        proof=_proof(conn, platform),
    )


def render(report: MonthlyReport, platform: Platform, file_format: str) -> bytes:
    if file_format not in FORMATS:
        raise InvalidInput(f"format: one of {', '.join(FORMATS)}", code="invalid_format")
    return FORMATS[file_format][1](report, platform)


def media_type(file_format: str) -> str:
    return FORMATS[file_format][0]


def filename(report: MonthlyReport, file_format: str) -> str:
    region = f"-{report.region}" if report.region else ""
    return f"carbon-report-{report.label}{region}.{file_format}"
