"""The monthly report as one CSV table in long form — `section,item,label,measure,value`, one
figure a row — so any tool can load, filter and sum it. Reductions are in milligrams CO2e,
exact integers as the ledgers keep them. The report's month and the log checkpoint that proves
it come first, as `report` and `proof` rows."""

from __future__ import annotations

import csv
import io

from carbonledger.cells import csv_value
from carbonledger.reports.monthly import MonthlyReport

HEADER = ("section", "item", "label", "measure", "value")


class _Writer:
    """csv.writer whose text never runs as a formula (a partner's name is the partner's own)."""

    def __init__(self, out: io.StringIO) -> None:
        self.writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, row: tuple[object, ...]) -> None:
        self.writer.writerow([csv_value(value) for value in row])


def write_csv(report: MonthlyReport) -> bytes:
    out = io.StringIO()
    writer = _Writer(out)
    writer.writerow(HEADER)
    writer.writerow(("report", "month", "", "month", report.label))
    writer.writerow(("report", "region", "", "region", report.region or "all"))
    writer.writerow(("report", "generated_at", "", "generated_at", report.generated_at.isoformat()))
    if report.proof is not None:
        proof = report.proof
        for name, value in (
            ("origin", proof.origin),
            ("size", proof.size),
            ("root", proof.root),
            ("signed_at", proof.signed_at.isoformat()),
            ("verifier_key", proof.verifier_key),
        ):
            writer.writerow(("proof", "checkpoint", "", name, value))
    for table in report.sections:
        for row in table.rows:
            for measure in table.measures:
                writer.writerow(
                    (table.key, row.item, row.label, measure.key, row.values[measure.key])
                )
    # A BOM, so that spreadsheet programs open the Chinese labels as UTF-8.
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
