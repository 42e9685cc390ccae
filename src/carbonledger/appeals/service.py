"""Filing and answering appeals. A citizen appeals a record of theirs that stands rejected (not
credited, or reversed after review), once, giving a reason; a reviewer answers it — `upheld`
(the citizen is right: the reviewer says what follows, such as asking the partner to send the
record again) or `denied` — with an answer the citizen reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.appeals.tables import appeals
from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.ids import ulid
from carbonledger.ingest.tables import records
from carbonledger.ledgers import repository as ledger_repo

MAX_TEXT = 1000
DECISIONS = ("upheld", "denied")


def _text(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field}: say why, in a sentence or two", code="invalid_appeal")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{field}: at most {MAX_TEXT} characters", code="invalid_appeal")
    return text


def _citizens_record(conn: Connection, citizen_id: str, record_id: str) -> Any:
    for source, mine in ledger_repo.citizens_records(citizen_id):
        found = conn.execute(
            select(records.c.id, records.c.status, records.c.reason)
            .select_from(source)
            .where(mine, records.c.id == record_id)
        ).first()
        if found is not None:
            return found
    raise NotFound(f"you have no record {record_id!r}", code="unknown_record")


def file(conn: Connection, citizen_id: str, record_id: str, reason: str, now: datetime) -> str:
    """Appeal the citizen's rejected record; return the appeal's id."""
    text = _text(reason, "reason")
    record = _citizens_record(conn, citizen_id, record_id)
    if record.status != "rejected":
        raise Conflict(
            "only a record that was not credited, or was reversed, can be appealed",
            code="not_appealable",
        )
    if conn.execute(select(appeals.c.id).where(appeals.c.record_id == record_id)).first():
        raise Conflict("this record has been appealed already", code="appeal_exists")
    appeal_id = ulid(now)
    conn.execute(
        appeals.insert(),
        {
            "id": appeal_id,
            "record_id": record_id,
            "citizen_id": citizen_id,
            "reason": text,
            "status": "open",
            "created_at": now,
        },
    )
    return appeal_id


def answer(
    conn: Connection, appeal_id: str, decision: str, text: str, operator_id: str, now: datetime
) -> None:
    """A reviewer's answer to an open appeal."""
    if decision not in DECISIONS:
        raise InvalidInput("decision: upheld or denied", code="invalid_appeal")
    said = _text(text, "answer")
    done = conn.execute(
        update(appeals)
        .where(appeals.c.id == appeal_id, appeals.c.status == "open")
        .values(status=decision, answer=said, answered_by=operator_id, answered_at=now)
    ).rowcount
    if not done:
        found = conn.execute(select(appeals.c.status).where(appeals.c.id == appeal_id)).first()
        if found is None:
            raise NotFound(f"no appeal has the id {appeal_id!r}", code="unknown_appeal")
        raise Conflict("this appeal has been answered already", code="appeal_answered")


_VIEW = (
    appeals,
    records.c.partner_id,
    records.c.scenario,
    records.c.day,
    records.c.reason.label("record_reason"),
)


def of_citizen(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    """The citizen's appeals, newest first."""
    return list(
        conn.execute(
            select(*_VIEW)
            .join(records, records.c.id == appeals.c.record_id)
            .where(appeals.c.citizen_id == citizen_id)
            .order_by(appeals.c.created_at.desc())
        )
    )


def waiting(conn: Connection, limit: int = 50) -> tuple[list[Row[Any]], int]:
    """The open appeals, oldest first (`limit` of them), and how many are open."""
    rows = conn.execute(
        select(*_VIEW)
        .join(records, records.c.id == appeals.c.record_id)
        .where(appeals.c.status == "open")
        .order_by(appeals.c.created_at)
        .limit(limit)
    )
    count = conn.execute(
        select(func.count()).select_from(appeals).where(appeals.c.status == "open")
    ).scalar_one()
    return list(rows), int(count)
