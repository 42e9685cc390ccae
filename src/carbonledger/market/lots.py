"""Lots (减排量批次) once formed (forming.py): publicly noticed, objected to and answered,
then issued as serial-numbered units with a buffer share, which covers credits reversed later.

Every function runs in its caller's transaction and raises a domain error, saying what to fix,
before anything is written or with the transaction to be rolled back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Row

from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.ids import ulid
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market import repository as repo
from carbonledger.market.manifest import Manifest
from carbonledger.market.units import (
    Span,
    buffer_units,
    cover_units,
    issue_spans,
    lot_code,
    spans_text,
    take,
    total,
    units_of,
)

MAX_LOT = 2**31 - 1  # lot numbers are 32-bit in the database
_MAX_OBJECTION = 4000


def get_lot(conn: Connection, number: int, *, lock: bool = False) -> Row[Any]:
    row = repo.lot(conn, number, lock=lock) if 1 <= number <= MAX_LOT else None
    if row is None:
        raise NotFound(f"there is no lot {number}", code="unknown_lot")
    return row


def manifest_of(row: Any) -> Manifest:
    return Manifest(
        lot=lot_code(row.city, row.year, row.number),
        number=row.number,
        period_start=row.period_start,
        period_end=row.period_end,
        scenarios=tuple(filter(None, row.scenarios.split(","))),
        regions=tuple(filter(None, row.regions.split(","))),
        methodologies=tuple(filter(None, row.methodologies.split(","))),
        credits=row.credits,
        total_mg=row.total_mg,
        checkpoint_size=row.checkpoint_size,
        checkpoint_root=bytes(row.checkpoint_root),
        leaves_digest=row.leaves_digest,
        unit_mg=row.unit_mg,
        buffer_bp=row.buffer_bp,
    )


def object_to(conn: Connection, number: int, text: str, now: datetime) -> str:
    """File an objection against a lot under notice; return its id."""
    text = text.strip()
    if not text:
        raise InvalidInput("an objection needs a text saying what is wrong", code="empty_objection")
    if len(text) > _MAX_OBJECTION:
        raise InvalidInput(
            f"an objection is at most {_MAX_OBJECTION} characters", code="objection_too_long"
        )
    lot = get_lot(conn, number)
    if lot.status != "notice":
        raise Conflict(f"lot {number} is already issued; objections are closed", code="lot_issued")
    objection_id = ulid(now)
    repo.insert_objection(conn, {"id": objection_id, "lot": number, "text": text, "filed_at": now})
    return objection_id


def answer(conn: Connection, objection_id: str, text: str, by: str, now: datetime) -> None:
    text = text.strip()
    if not text:
        raise InvalidInput("an answer needs a text", code="empty_answer")
    row = repo.objection(conn, objection_id)
    if row is None:
        raise NotFound(f"there is no objection {objection_id}", code="unknown_objection")
    if row.answer is not None:
        raise Conflict(f"objection {objection_id} is already answered", code="already_answered")
    repo.answer_objection(conn, objection_id, answer=text, answered_by=by, answered_at=now)


def issue(conn: Connection, number: int, by: str, now: datetime) -> tuple[int, int]:
    """Issue a noticed, answered and signed lot: (units, buffer units)."""
    registry_repo.ensure_system_accounts(conn, now)
    registry_repo.lock_market(conn)
    lot = get_lot(conn, number, lock=True)
    if lot.status == "issued":
        raise Conflict(f"lot {number} is already issued", code="lot_issued")
    if now < lot.notice_ends:
        raise Conflict(
            f"lot {number} is under public notice until {lot.notice_ends:%Y-%m-%d %H:%M} UTC; "
            "issue it after the notice ends",
            code="notice_running",
        )
    open_ = [o.id for o in repo.objections(conn, number) if o.answer is None]
    if open_:
        raise Conflict(
            f"answer the objection(s) {', '.join(open_)} before issuing lot {number}",
            code="objections_open",
        )
    if not repo.signatures(conn, number):
        raise Conflict(
            f"lot {number} has no verifier's signature; a registered verifier must sign its "
            "manifest first",
            code="not_verified",
        )
    units = units_of(lot.total_mg, lot.unit_mg)
    buffer = buffer_units(units, lot.buffer_bp)
    pool, kept = issue_spans(units, buffer)
    for span, account_id, kind in (
        (pool, registry_repo.POOL, "issue"),
        (kept, registry_repo.BUFFER, "buffer"),
    ):
        if span is not None:
            registry_repo.add_holdings(conn, number, account_id, [span])
            record_move(conn, number, kind, registry_repo.ISSUANCE, account_id, [span], now)
    repo.update_lot(
        conn,
        number,
        status="issued",
        units=units,
        buffer_units=buffer,
        issued_at=now,
        issued_by=by,
    )
    for credit in repo.reversed_in_lot(conn, number):
        _cover(conn, lot, credit, now)
    return units, buffer


def record_move(
    conn: Connection,
    number: int,
    kind: str,
    debit: str,
    credit: str,
    spans: Sequence[Span],
    now: datetime,
    **extra: Any,
) -> str:
    move_id = ulid(now)
    registry_repo.insert_move(
        conn,
        {
            "id": move_id,
            "lot": number,
            "kind": kind,
            "debit": debit,
            "credit": credit,
            "units": sum(s.units for s in spans),
            "ranges": spans_text(spans),
            "at": now,
        }
        | extra,
    )
    return move_id


def _cover(conn: Connection, lot: Any, credit: Any, now: datetime) -> None:
    """Cancel units of at least a reversed credit's size: from the buffer, then the pool."""
    need = cover_units(int(credit.reduction_mg), int(lot.unit_mg))
    cancelled = 0
    for holder in (registry_repo.BUFFER, registry_repo.POOL):
        if cancelled == need:
            break
        held = registry_repo.holdings(conn, lot.number, holder, lock=True)
        count = min(need - cancelled, total(held))
        if count == 0:
            continue
        taken, left = take(held, count)
        registry_repo.replace_holdings(
            conn, lot.number, holder, left, taken, registry_repo.CANCELLED
        )
        record_move(conn, lot.number, "cancel", holder, registry_repo.CANCELLED, taken, now)
        cancelled += count
    registry_repo.insert_cover(
        conn,
        {
            "leaf_index": credit.leaf_index,
            "lot": lot.number,
            "reduction_mg": credit.reduction_mg,
            "units": cancelled,
            "short": need - cancelled,
            "covered_at": now,
        },
    )


def cover_reversal(conn: Connection, credit_leaf: int, now: datetime) -> None:
    """Called in the reversal's transaction: if the reversed credit is in an issued lot, cancel
    buffer units to cover it (a lot not issued yet is covered when it is issued)."""
    credit = repo.lot_credit(conn, credit_leaf)
    if credit is None:
        return
    lot = get_lot(conn, credit.lot, lock=True)
    if lot.status == "issued" and registry_repo.cover_of(conn, credit_leaf) is None:
        _cover(conn, lot, credit, now)
