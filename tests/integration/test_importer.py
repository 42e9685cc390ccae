"""Bulk import on SQLite and PostgreSQL: the file's records stored with the pipeline's results,
unreadable and rejected rows reported by line, batches kept unsigned as the operator's, and a
second run answered from the stored results without writing."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.errors import Forbidden, NotFound
from carbonledger.ingest.filerows import rows
from carbonledger.ingest.importer import ImportSummary, Rejection, import_rows
from carbonledger.ingest.tables import batches, records
from carbonledger.platform import Platform
from carbonledger.translog import sequencer
from tests import factories
from tests.factories import record
from tests.integration.helpers import points_balance, rollups_match_records


def _import(
    platform: Platform, partner_id: str, path: Path, batch_size: int = 3, **options: Any
) -> tuple[ImportSummary, list[Rejection]]:
    rejected: list[Rejection] = []
    file_format = "csv" if path.suffix == ".csv" else "jsonl"
    with path.open("rb") as stream:
        summary = import_rows(
            platform,
            partner_id,
            rows(stream, file_format),
            batch_size=batch_size,
            on_rejected=rejected.append,
            **options,
        )
    return summary, rejected


def _jsonl(path: Path, lines: list[str | dict[str, Any]]) -> Path:
    text = "".join((ln if isinstance(ln, str) else json.dumps(ln)) + "\n" for ln in lines)
    path.write_text(text)
    return path


def _stored(platform: Platform, partner_id: str) -> dict[str, tuple[str, str | None]]:
    with db.read(platform.engine) as conn:
        found = conn.execute(
            select(records.c.external_id, records.c.status, records.c.reason).where(
                records.c.partner_id == partner_id
            )
        )
        return {row.external_id: (row.status, row.reason) for row in found}


@pytest.fixture
def partner_id(platform: Platform) -> str:
    partner = factories.add_partner(platform)
    factories.link(platform, partner.id, "u-1", factories.add_citizen(platform))
    return partner.id


def test_jsonl_rows_are_stored_with_their_results_and_bad_rows_reported(
    platform: Platform, partner_id: str, tmp_path: Path
) -> None:
    now = clock.now()
    trip = record("cycling", external_id="t1", start=now - timedelta(hours=3))
    order = {"evidence": {"key": "order-1"}, "start": now - timedelta(hours=2)}
    lines: list[str | dict[str, Any]] = [
        trip,
        record("metro", external_id="t2", user="u-2", quantity=1),
        "{broken",
        record("cycling", external_id="neg", quantity=-1),
        record("no_tableware", external_id="o1", quantity=1, **order),
        record("no_tableware", external_id="o2", quantity=1, **order),
        trip,
        {**trip, "quantity": 9.9},
        record("teleport", external_id="tele"),
        "[1, 2]",
    ]
    summary, rejected = _import(platform, partner_id, _jsonl(tmp_path / "in.jsonl", lines))

    assert dict(summary.statuses) == {"accepted": 3, "pending": 1, "duplicate": 1, "rejected": 5}
    assert summary.replayed == 1 and summary.rows == 10 and summary.last_line == 10
    assert [(r.line, r.external_id, r.reason) for r in rejected] == [
        (3, None, "unreadable_row"),
        (4, "neg", "invalid_field"),
        (8, "t1", "external_id_reused"),
        (9, "tele", "unknown_scenario"),
        (10, None, "unreadable_row"),
    ]
    assert rejected[0].errors == ({"field": "", "message": "the line is not valid JSON"},)
    assert rejected[1].errors[0]["field"] == "quantity"
    assert _stored(platform, partner_id) == {
        "t1": ("accepted", None),
        "t2": ("pending", "user_not_linked"),
        "neg": ("rejected", "invalid_field"),
        "o1": ("accepted", None),
        "o2": ("duplicate", "same_evidence_key"),
        "tele": ("rejected", "unknown_scenario"),
    }
    points_balance(platform)
    rollups_match_records(platform)


def test_import_batches_are_kept_unsigned_with_the_records_as_read(
    platform: Platform, partner_id: str, tmp_path: Path
) -> None:
    sent = [record("walking", external_id=f"w{i}", quantity=5000 + i) for i in range(5)]
    summary, _ = _import(platform, partner_id, _jsonl(tmp_path / "in.jsonl", [*sent[:2], "?"]))
    _import(platform, partner_id, _jsonl(tmp_path / "more.jsonl", sent), batch_size=2)
    with db.read(platform.engine) as conn:
        kept = conn.execute(select(batches).order_by(batches.c.id)).all()
    assert [b.records for b in kept] == [2, 2, 1]  # the second run's first batch was a replay
    assert kept[0].nonce == f"import-{summary.run_id}-1"
    assert [b.nonce.rsplit("-", 1)[1] for b in kept[1:]] == ["3", "5"]
    for kept_batch in kept:
        assert kept_batch.signature == b"" and kept_batch.partner_id == partner_id
        assert kept_batch.body_sha256 == hashlib.sha256(kept_batch.body).digest()
    bodies = [r for b in kept for r in json.loads(b.body)["records"]]
    assert bodies == sent


def test_csv_rows_become_records_and_a_bad_number_is_rejected_as_the_api_would(
    platform: Platform, partner_id: str, tmp_path: Path
) -> None:
    start = clock.now() - timedelta(hours=4)
    at, end = start.isoformat(), (start + timedelta(minutes=20)).isoformat()
    path = tmp_path / "in.csv"
    path.write_text(
        "external_id,user,scenario,occurred_at,ended_at,quantity,evidence.key\n"
        f"c1,u-1,cycling,{at},{end},4.2,\n"
        f"c2,u-1,walking,{at},,4.2km,\n"
        f"c3,u-1,cycling,{at},{end},3,,too many\n"
        f"c4,u-1,returned_box,{at},,1,box-77\n"
    )
    summary, rejected = _import(platform, partner_id, path)
    assert dict(summary.statuses) == {"accepted": 2, "rejected": 2}
    assert [(r.line, r.external_id, r.reason) for r in rejected] == [
        (3, "c2", "invalid_field"),
        (4, None, "unreadable_row"),
    ]
    assert rejected[0].errors == ({"field": "quantity", "message": "must be a number"},)
    assert _stored(platform, partner_id) == {
        "c1": ("accepted", None),
        "c2": ("rejected", "invalid_field"),
        "c4": ("accepted", None),
    }


class _Stop(Exception):
    """Stands for the operator's Ctrl-C between two batches."""


def test_a_run_again_replays_what_is_stored_and_goes_on(
    platform: Platform, partner_id: str, tmp_path: Path
) -> None:
    start = clock.now() - timedelta(days=1)
    path = _jsonl(
        tmp_path / "in.jsonl",
        [
            record("cycling", external_id=f"k{i}", start=start + timedelta(hours=i), quantity=3)
            for i in range(10)
        ],
    )

    def stop_after_first(_: ImportSummary) -> None:
        raise _Stop

    with pytest.raises(_Stop):
        _import(platform, partner_id, path, batch_size=4, on_batch=stop_after_first)
    assert len(_stored(platform, partner_id)) == 4
    resumed, _ = _import(platform, partner_id, path, batch_size=4)
    assert resumed.replayed == 4 and dict(resumed.statuses) == {"accepted": 10}
    again, _ = _import(platform, partner_id, path, batch_size=4)
    assert again.replayed == 10 and again.statuses == resumed.statuses
    with db.read(platform.engine) as conn:
        assert conn.execute(select(func.count()).select_from(batches)).scalar() == 3
        assert sequencer.head(conn).size == 10
    rollups_match_records(platform)


def test_only_an_active_data_partner_can_be_imported_as(platform: Platform, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "in.jsonl", [record()])
    with pytest.raises(NotFound, match="partner add"):
        _import(platform, "nobody", path)
    merchant = factories.add_partner(platform, role="merchant")
    with pytest.raises(Forbidden) as refused:
        _import(platform, merchant.id, path)
    assert refused.value.code == "not_a_data_partner"
    suspended = factories.add_partner(platform)
    with db.write(platform.engine) as conn:
        accounts.set_partner_status(conn, suspended.id, "suspended")
    with pytest.raises(Forbidden) as refused:
        _import(platform, suspended.id, path)
    assert refused.value.code == "partner_suspended"
    assert _stored(platform, suspended.id) == {}
