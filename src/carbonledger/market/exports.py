"""Exports for an exchange's registry: a lot (`lot-N.csv`, `lot-N.json`) with every credit by
leaf index and milligrams, and the retirements (`retirements.csv`, `retirements.json`).
Amounts are exact integers in milligrams CO2e, as the ledgers keep them."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.errors import NotFound
from carbonledger.market import documents

_NAME = re.compile(r"^(lot-(\d{1,9})|retirements)\.(csv|json)$")
_CSV = "text/csv; charset=utf-8"
_JSON = "application/json"


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def export(conn: Connection, name: str) -> tuple[bytes, str]:
    """The named export's bytes and media type."""
    match = _NAME.match(name)
    if match is None:
        raise NotFound(
            "exports are lot-<number>.csv, lot-<number>.json, retirements.csv and retirements.json",
            code="unknown_export",
        )
    kind, number, form = match.group(1), match.group(2), match.group(3)
    if number is not None:
        lot = documents.lot_document(conn, int(number))
        leaves = documents.lot_leaves(conn, int(number))
        if form == "json":
            return json.dumps(lot | {"leaves": leaves}).encode(), _JSON
        code = lot["manifest"]["lot"]
        return _csv(
            ("lot", "leaf_index", "reduction_mg"), ((code, i, mg) for i, mg in leaves)
        ), _CSV
    assert kind == "retirements"
    retired = documents.retirements_document(conn)
    if form == "json":
        return json.dumps(retired).encode(), _JSON
    header = (
        "id",
        "lot",
        "serials",
        "units",
        "unit_mg",
        "purpose",
        "beneficiary",
        "leaf_index",
        "retired_at",
    )
    rows = (
        (
            r["id"],
            r["lot_code"],
            " ".join(r["serials"]),
            r["units"],
            r["unit_mg"],
            r["purpose"],
            r["beneficiary"],
            r["leaf_index"],
            r["retired_at"],
        )
        for r in retired
    )
    return _csv(header, rows), _CSV
