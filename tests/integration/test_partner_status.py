"""Pending partners on SQLite and PostgreSQL: the status CHECK admits `pending`, and the
migration that admits it rebuilds SQLite's partners table with its rows and the rows that refer
to it intact, foreign keys enforced afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from carbonledger import clock, db, migrate
from carbonledger.accounts import repository as accounts_repo
from carbonledger.accounts import service as accounts
from carbonledger.db import make_engine
from carbonledger.errors import CarbonLedgerError
from carbonledger.ingest.signing import public_key_b64
from carbonledger.keys import Keys
from carbonledger.platform import Platform

_BATCH = (
    "INSERT INTO batches (id, partner_id, received_at, timestamp, nonce, body_sha256, signature,"
    " body, records) VALUES (:id, :partner, '2026-11-01 08:00:00', 0, 'n', x'00', x'00', x'00', 0)"
)


def test_a_partner_moves_from_pending_to_active_to_suspended(platform: Platform) -> None:
    key = public_key_b64(Ed25519PrivateKey.generate())
    with db.write(platform.engine) as conn:
        accounts.add_partner(conn, "new-bank", "新银行", key, "data", clock.now(), pending=True)
        assert accounts.partner_view(conn, "new-bank")["status"] == "pending"
        assert accounts.change_partner(conn, "new-bank", "approve") == "active"
        assert accounts.change_partner(conn, "new-bank", "suspend") == "suspended"
        with pytest.raises(CarbonLedgerError) as refused:
            accounts.change_partner(conn, "new-bank", "approve")
        assert refused.value.code == "partner_status"
    with db.write(platform.engine) as conn, pytest.raises(IntegrityError):
        accounts_repo.set_partner(conn, "new-bank", status="retired")


def test_the_sqlite_migration_keeps_partners_and_what_refers_to_them(tmp_path: Path) -> None:
    engine, keys = make_engine(f"sqlite:///{tmp_path / 'old.db'}"), Keys.load(tmp_path / "keys")
    migrate.upgrade(engine, keys, "0008")
    with db.write(engine) as conn:
        conn.execute(
            text(
                "INSERT INTO partners (id, name, role, public_key, status, created_at)"
                " VALUES ('bike', 'Bike', 'data', x'00', 'active', '2026-11-01 08:00:00')"
            )
        )
        conn.execute(text(_BATCH), {"id": "b1", "partner": "bike"})
    migrate.upgrade(engine, keys)
    with db.write(engine) as conn:
        conn.execute(text("UPDATE partners SET status = 'pending' WHERE id = 'bike'"))
        assert conn.execute(text("SELECT partner_id FROM batches")).scalar() == "bike"
    with db.write(engine) as conn, pytest.raises(IntegrityError):
        conn.execute(text(_BATCH), {"id": "b2", "partner": "nobody"})
    engine.dispose()
