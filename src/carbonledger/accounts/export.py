"""Download my data (个人数据下载): everything the platform holds about one citizen, for that
citizen only — the profile with name and phone decrypted, their partner links, every record of
theirs with its result and, for a credit, the name its leaf gives them in the public log with
the opening that proves the name is theirs, every point transfer in or out of their account and
what expires when, redemptions, donations and event sign-ups, as named tables.

Leaves written now name a citizen by a pseudonym of the day and scenario (translog/pseudonyms.py),
so each credit carries its own `log_name` and `log_opening`; the profile's `log_account` is the
one name for life that the first leaves (version 1) carried.

As JSON it is one document; as CSV it is a ZIP archive with one CSV file per section (a single
CSV cannot hold tables of different columns), each UTF-8 with a byte-order mark so spreadsheet
programs read the Chinese text. The ID number is not in it: the platform keeps only a keyed hash
of it, which cannot be turned back into the number.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.engine import Connection

from carbonledger.accounts import protection
from carbonledger.accounts import repository as repo
from carbonledger.accounts.service import citizen_links
from carbonledger.cells import csv_value
from carbonledger.donations import service as donations
from carbonledger.donations.schemas import DonationOut, FundedOut
from carbonledger.engagement import events
from carbonledger.engagement.schemas import MyEventOut
from carbonledger.errors import NotFound
from carbonledger.keys import Keys
from carbonledger.ledgers.service import citizen_entries
from carbonledger.lotteries import prizes
from carbonledger.points.schemas import PointsOut
from carbonledger.points.statement import statement
from carbonledger.rewards import service as rewards
from carbonledger.rewards import vouchers
from carbonledger.rewards.schemas import redemption_out
from carbonledger.translog import repository as log_repo
from carbonledger.translog.leaves import Leaf
from carbonledger.translog.pseudonyms import account_of_opening, day_opening

FORMAT_VERSION = 1
_PAGE = 1000
_BOM = "\ufeff"


def _plain(value: Any) -> Any:
    """A value as JSON and CSV carry it: times and days as ISO 8601 text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: _plain(value) for key, value in item.items()} for item in items]


def _views(models: Iterable[BaseModel]) -> list[dict[str, Any]]:
    # `replayed` describes an answer to a request, not the stored thing.
    return _rows([model.model_dump(exclude={"replayed"}) for model in models])


def _profile(keys: Keys, citizen_id: str, row: Any) -> dict[str, Any]:
    return {
        "citizen": citizen_id,
        "name": protection.decrypt(keys.data_key, row.name_enc, "name"),
        "phone": protection.decrypt(keys.data_key, row.phone_enc, "phone"),
        "birth_date": _plain(row.birth_date),
        "region": row.region,
        "registered_at": _plain(row.created_at),
        "log_account": protection.pseudonym(row.pseudonym_key),
        "id_number": "kept only as a keyed hash, which cannot be turned back into the number",
    }


def _prize(keys: Keys, row: Any) -> dict[str, Any]:
    """A prize voucher with its code shown, as the citizen's lottery page shows it."""
    kept = {key: value for key, value in row._mapping.items() if key not in vouchers.KEPT}
    return {**kept, "voucher_code": vouchers.shown(keys, row)}


def _all_records(conn: Connection, citizen_id: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    before: str | None = None
    while True:
        page, before = citizen_entries(conn, citizen_id, _PAGE, before)
        records.extend(page)
        if before is None:
            return records


def _with_log_names(
    conn: Connection, pseudonym_key: bytes, records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each record with the account its credit leaf names in the log (`log_name`) and, for a
    leaf of the day's pseudonym, the opening that proves the name is the citizen's, as the ledger
    page shows it (`log_opening`). Both are given only when the leaf names this record and the
    name is provably the citizen's own (the opening hashes to it, or a version 1 leaf carries
    their name for life); otherwise, and for a record with no leaf, both are empty."""
    leaves = log_repo.entries(
        conn, (r["leaf_index"] for r in records if r["leaf_index"] is not None)
    )
    for record in records:
        record["log_name"] = record["log_opening"] = None
        data = leaves.get(record["leaf_index"])
        if data is None:
            continue
        leaf = Leaf.decode(data)
        if leaf.account is None or not leaf.names_record(record["record"]):
            continue
        if leaf.v == 1:
            if leaf.account == protection.pseudonym(pseudonym_key):
                record["log_name"] = leaf.account
            continue
        opening = day_opening(pseudonym_key, leaf.day, leaf.scenario)
        if account_of_opening(opening) == leaf.account:
            record["log_name"], record["log_opening"] = leaf.account, opening.hex()
    return records


def export(
    conn: Connection, keys: Keys, citizen_id: str, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """The citizen's data as one JSON-ready document (`zone`: the city's, for local days)."""
    row = repo.citizen(conn, citizen_id)
    if row is None or row.status != "active":
        raise NotFound("this account no longer exists", code="unknown_citizen")
    points = PointsOut.of(statement(conn, citizen_id, zone, now, None))
    records = _with_log_names(conn, row.pseudonym_key, _all_records(conn, citizen_id))
    return {
        "format": FORMAT_VERSION,
        "exported_at": _plain(now),
        "profile": _profile(keys, citizen_id, row),
        "links": _rows(citizen_links(conn, citizen_id)),
        "records": _rows(records),
        # The other sections as the citizen's own routes show them.
        "transfers": _views(points.movements),
        "expiring": _views(points.expiring),
        "redemptions": _views(
            redemption_out(r, keys) for r in rewards.redemptions_of(conn, citizen_id)
        ),
        "prizes": _rows([_prize(keys, r) for r in prizes.of_citizen(conn, citizen_id)]),
        "donations": _views(DonationOut.of(r) for r in donations.donations_of(conn, citizen_id)),
        "funded": _views(FundedOut.of(r) for r in donations.funded_by(conn, citizen_id).projects),
        "events": _views(MyEventOut.of(r) for r in events.signups_of(conn, citizen_id)),
    }


def as_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def _csv(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    out = io.StringIO()
    out.write(_BOM)
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_value(value) for key, value in row.items()})
    return out.getvalue()


def as_csv_zip(document: dict[str, Any]) -> bytes:
    """One CSV per section (the profile is one row); a section with no rows is a header-less
    empty file, so every section is always there."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in document.items():
            if isinstance(value, dict):
                archive.writestr(f"{name}.csv", _csv([value]))
            elif isinstance(value, list):
                archive.writestr(f"{name}.csv", _csv(value))
    return buffer.getvalue()
