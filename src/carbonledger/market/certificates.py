"""A retirement as a certificate: its public record, the lot's, and the receipt proving its
leaf, as JSON or as the PDF (certificate.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.errors import NotFound
from carbonledger.market import documents
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market.certificate import certificate_pdf
from carbonledger.market.receipt import receipt


def retirement_with_receipt(conn: Connection, retirement_id: str) -> dict[str, Any]:
    row = registry_repo.retirement(conn, retirement_id)
    if row is None:
        raise NotFound(f"there is no retirement {retirement_id}", code="unknown_retirement")
    return documents.retirement_document(conn, row) | {"receipt": receipt(conn, row.leaf_index)}


def certificate(conn: Connection, retirement_id: str, font: str = "") -> bytes:
    retired = retirement_with_receipt(conn, retirement_id)
    lot = documents.lot_document(conn, retired["lot"])
    return certificate_pdf(retired, lot, retired.pop("receipt"), font)
