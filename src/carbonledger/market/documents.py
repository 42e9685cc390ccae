"""The registry's public documents: what the pages, the API, the exports and `registry verify`
read. Holders that are citizens are shown only as `citizen`: the registry is public, a
citizen's purchases are not."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.market import registry_repository as registry_repo
from carbonledger.market import repository as repo
from carbonledger.market.lots import get_lot, manifest_of
from carbonledger.market.units import Span, lot_code, serial


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def public_holder(account: str) -> str:
    return "citizen" if account.startswith("citizen:") else account


def lot_document(conn: Connection, number: int) -> dict[str, Any]:
    row = get_lot(conn, number)
    names = {v.id: v for v in repo.verifiers(conn)}
    return {
        "manifest": manifest_of(row).to_json(),
        "status": row.status,
        "formed_at": _time(row.formed_at),
        "notice_ends": _time(row.notice_ends),
        "issued_at": _time(row.issued_at),
        "units": row.units,
        "buffer_units": row.buffer_units,
        "signatures": [
            {
                "verifier": s.verifier,
                "name": names[s.verifier].name,
                "public_key": base64.b64encode(names[s.verifier].public_key).decode(),
                "signature": base64.b64encode(s.signature).decode(),
                "signed_at": _time(s.signed_at),
            }
            for s in repo.signatures(conn, number)
        ],
        "objections": [
            {
                "id": o.id,
                "text": o.text,
                "filed_at": _time(o.filed_at),
                "answer": o.answer,
                "answered_at": _time(o.answered_at),
            }
            for o in repo.objections(conn, number)
        ],
        "cover": [
            {
                "leaf_index": c.leaf_index,
                "reduction_mg": c.reduction_mg,
                "units": c.units,
                "short": c.short,
            }
            for c in registry_repo.covers(conn, number)
        ],
    }


def lots_document(conn: Connection) -> list[dict[str, Any]]:
    return [lot_document(conn, row.number) for row in repo.lots(conn)]


def lot_leaves(conn: Connection, number: int) -> list[tuple[int, int]]:
    """(leaf index, milligrams) of every credit in the lot, in index order."""
    get_lot(conn, number)
    return list(repo.lot_leaves(conn, number))


def holdings_document(conn: Connection, number: int | None = None) -> list[dict[str, Any]]:
    lots = {row.number: row for row in repo.lots(conn)}
    return [
        {
            "lot": h.lot,
            "serials": serial(lots[h.lot].city, lots[h.lot].year, h.lot, Span(h.first, h.last)),
            "first": h.first,
            "last": h.last,
            "units": h.last - h.first + 1,
            "holder": public_holder(h.account),
            "retirement": h.retirement,
        }
        for h in registry_repo.all_holdings(conn, number)
    ]


def retirement_document(conn: Connection, row: Any) -> dict[str, Any]:
    lot = get_lot(conn, row.lot)
    return {
        "id": row.id,
        "lot": row.lot,
        "lot_code": lot_code(lot.city, lot.year, lot.number),
        "serials": [
            serial(lot.city, lot.year, lot.number, Span(*map(int, part.split("-"))))
            for part in row.ranges.split(",")
        ],
        "units": row.units,
        "unit_mg": lot.unit_mg,
        "purpose": row.purpose,
        "beneficiary": row.beneficiary,
        "leaf_index": row.leaf_index,
        "retired_at": _time(row.retired_at),
    }


def retirements_document(conn: Connection, number: int | None = None) -> list[dict[str, Any]]:
    return [retirement_document(conn, row) for row in registry_repo.retirements(conn, number)]


def verifiers_document(conn: Connection) -> list[dict[str, Any]]:
    return [
        {
            "id": v.id,
            "name": v.name,
            "public_key": base64.b64encode(v.public_key).decode(),
            "registered_at": _time(v.registered_at),
        }
        for v in repo.verifiers(conn)
    ]


def registry_document(conn: Connection) -> dict[str, Any]:
    """Everything `registry verify` checks besides the lots' leaves."""
    return {
        "lots": lots_document(conn),
        "holdings": holdings_document(conn),
        "retirements": retirements_document(conn),
        "verifiers": verifiers_document(conn),
    }


def citizen_story(conn: Connection, citizen_id: str) -> list[dict[str, Any]]:
    """For the citizen alone: per lot, how much of their reduction went in, the lot's status,
    and what its units were retired for ("your 2.3 kg made the marathon carbon-neutral")."""
    by_lot: dict[int, dict[str, Any]] = {}
    for row in repo.citizen_lot_credits(conn, citizen_id):
        entry = by_lot.setdefault(
            row.lot, {"lot": row.lot, "credits": 0, "reduction_mg": 0, "leaves": []}
        )
        entry["credits"] += 1
        entry["reduction_mg"] += row.reduction_mg
        entry["leaves"].append(row.leaf_index)
    for number, entry in by_lot.items():
        lot = get_lot(conn, number)
        entry["lot_code"] = lot_code(lot.city, lot.year, number)
        entry["status"] = lot.status
        entry["retired_for"] = sorted(
            {f"{r.purpose} ({r.beneficiary})" for r in registry_repo.retirements(conn, number)}
        )
    return [by_lot[n] for n in sorted(by_lot, reverse=True)]


def holder_view(conn: Connection, account_id: str) -> dict[str, Any]:
    """What one registry account holds, by lot, and what it retired (for its own eyes)."""
    lots = {row.number: row for row in repo.lots(conn)}
    held = [
        {
            "lot": h.lot,
            "serials": serial(lots[h.lot].city, lots[h.lot].year, h.lot, Span(h.first, h.last)),
            "units": h.last - h.first + 1,
            "unit_mg": lots[h.lot].unit_mg,
        }
        for h in registry_repo.all_holdings(conn)
        if h.account == account_id
    ]
    retired = [
        retirement_document(conn, row)
        for row in registry_repo.retirements(conn)
        if row.account == account_id
    ]
    return {
        "account": account_id,
        "exists": registry_repo.account(conn, account_id) is not None,
        "held": held,
        "retired": retired,
    }
