"""The review queue (role `reviewer`): flags written with each credit in the batch's own
transaction, flags an operator adds by hand, and the reviewer's decision — reverse the credit
(the crediting service: a reversal leaf, points clawed back; a reason is required) or keep it.
Services never commit; the entry point owns the transaction."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.ingest import crediting
from carbonledger.ingest import repository as records_repo
from carbonledger.ingest.results import Status
from carbonledger.platform import Platform
from carbonledger.review import repository as repo
from carbonledger.review.rules import REASONS

QUEUE_PAGE = 50
_MAX_NOTE = 1000


def _note(text: str, what: str) -> str:
    note = text.strip()
    if not note:
        raise InvalidInput(f"give a {what}; it is kept with the decision", code="note_required")
    if len(note) > _MAX_NOTE:
        raise InvalidInput(
            f"the {what} is longer than {_MAX_NOTE} characters", code="note_too_long"
        )
    return note


def flag_record(
    conn: Connection, record_id: str, note: str, operator_id: str, now: datetime
) -> None:
    """Put a credit in the queue by hand (a complaint, a partner's correction), with a note."""
    note = _note(note, "note saying why")
    record = records_repo.record_by_id(conn, record_id)
    if record is None:
        raise NotFound(f"no record has the id {record_id!r}", code="unknown_record")
    if record.status != Status.ACCEPTED.value:
        raise Conflict(
            f"record {record_id} is {record.status}; only a standing credit can be reviewed",
            code="not_reviewable",
        )
    existing = repo.flag(conn, record_id)
    if existing is None:
        repo.insert_flags(
            conn,
            [
                {
                    "record_id": record_id,
                    "reasons": "operator",
                    "detail": note,
                    "status": "open",
                    "flagged_at": now,
                    "flagged_by": operator_id,
                }
            ],
        )
    elif existing.status == "open":
        reasons = ",".join(r for r in REASONS if r in {*existing.reasons.split(","), "operator"})
        repo.add_to_open_flag(conn, record_id, reasons, f"{existing.detail}; {note}".lstrip("; "))
    else:
        raise Conflict(
            f"record {record_id} was reviewed already ({existing.status}); reverse it directly "
            "if it must go",
            code="already_reviewed",
        )


def reverse(
    conn: Connection,
    platform: Platform,
    record_id: str,
    reason: str,
    operator_id: str,
    now: datetime,
) -> int:
    """Reverse a credit after review (the crediting service); its open flag, if any, is closed
    as reversed. Return the reversal's leaf index."""
    reason = _note(reason, "reason for the reversal")
    leaf_index = crediting.reverse(conn, platform, record_id, reason, now)
    repo.decide(conn, record_id, "reversed", operator_id, reason, now)
    return leaf_index


def keep(conn: Connection, record_id: str, note: str, operator_id: str, now: datetime) -> None:
    """Close a flag: the credit stands."""
    if not repo.decide(conn, record_id, "kept", operator_id, note.strip()[:_MAX_NOTE], now):
        raise NotFound(f"record {record_id} has no open flag", code="no_open_flag")


def queue(
    conn: Connection, status: str = "open", limit: int = QUEUE_PAGE, offset: int = 0
) -> dict[str, Any]:
    """A page of flags in `status` with their credits, and the counts by status and reason."""
    if status not in ("open", "reversed", "kept"):
        raise InvalidInput("status is open, reversed or kept", code="invalid_status")
    by_status: Counter[str] = Counter()
    open_by_reason: Counter[str] = Counter()
    for row in repo.counts(conn):
        by_status[row.status] += int(row.flags)
        if row.status == "open":
            for reason in row.reasons.split(","):
                open_by_reason[reason] += int(row.flags)
    return {
        "status": status,
        "counts": {name: by_status[name] for name in ("open", "reversed", "kept")},
        "open_by_reason": {reason: open_by_reason[reason] for reason in REASONS},
        "flags": [_entry(row) for row in repo.flags(conn, status, limit, offset)],
    }


def _entry(row: Any) -> dict[str, Any]:
    return {
        "record": row.record_id,
        "reasons": row.reasons.split(","),
        "detail": row.detail,
        "status": row.status,
        "flagged_at": row.flagged_at,
        "flagged_by": row.flagged_by,
        "decided_at": row.decided_at,
        "decided_by": row.decided_by,
        "note": row.note,
        "partner": row.partner_id,
        "citizen": row.citizen_id,
        "scenario": row.scenario,
        "day": row.day,
        "region": row.region,
        "occurred_at": row.occurred_at,
        "ended_at": row.ended_at,
        "quantity": (row.quantity_milli or 0) / 1000,
        "credited": (row.credited_milli or 0) / 1000,
        "reduction_mg": int(row.reduction_mg),
        "points": int(row.points),
        "methodology": row.methodology,
        "leaf_index": row.leaf_index,
        "record_status": row.record_status,
    }
