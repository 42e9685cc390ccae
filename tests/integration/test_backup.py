"""`carbonledger backup` and `restore` on SQLite and PostgreSQL, run as an operator would: the
restored deployment holds the same records, log and balances, and passes `verify` and
`reconcile`; restore refuses to overwrite a database with records; the keys come back 0600."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from carbonledger import clock, db
from carbonledger.config import Settings
from carbonledger.ingest.crediting import reverse
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from carbonledger.translog import publisher
from tests import factories
from tests.commands import run
from tests.conftest import PG_ADMIN_URL
from tests.factories import record
from tests.integration.helpers import submit


@pytest.fixture
def empty_target(platform: Platform, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Settings of an empty deployment of the same kind as `platform`."""
    env = {"CARBONLEDGER_DATA_DIR": str(tmp_path / "restored")}
    if platform.engine.dialect.name == "sqlite":
        yield env
        return
    name = f"carbonledger_restore_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield {**env, "CARBONLEDGER_DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"}
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _source_env(platform: Platform) -> dict[str, str]:
    env = {}
    if platform.engine.dialect.name != "sqlite":
        env["CARBONLEDGER_DATABASE_URL"] = platform.settings.database_url
    return env


def _count(platform: Platform) -> int:
    with db.read(platform.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


def test_a_restored_backup_verifies_and_reconciles(
    platform: Platform, tmp_path: Path, empty_target: dict[str, str]
) -> None:
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "u-1", citizen)
    start = clock.now() - timedelta(hours=6)
    results = submit(
        platform,
        partner.id,
        [record("cycling", start=start + timedelta(minutes=30 * n)) for n in range(6)],
    )
    with db.write(platform.engine) as conn:
        reverse(conn, platform, results[0].record or "", "double reported", clock.now())
        publisher.publish(conn, platform, clock.now())
    dest = tmp_path / "backup"
    source_dir = platform.settings.data_dir
    made = run(source_dir, "backup", str(dest), **_source_env(platform))
    assert made.returncode == 0, made.stderr
    assert {p.name for p in dest.iterdir()} >= {"manifest.json", "secrets"}
    assert all(oct(key.stat().st_mode)[-3:] == "600" for key in (dest / "secrets").iterdir())

    target_dir = Path(empty_target.pop("CARBONLEDGER_DATA_DIR"))
    restored = run(target_dir, "restore", str(dest), **empty_target)
    assert restored.returncode == 0, restored.stderr
    for check in ("verify", "reconcile"):
        done = run(target_dir, check, **empty_target)
        assert done.returncode == 0, done.stdout + done.stderr
    url = empty_target.get("CARBONLEDGER_DATABASE_URL", "")
    back = Platform.open(Settings(data_dir=target_dir, database_url=url))
    try:
        assert _count(back) == _count(platform) == 6
        assert back.keys.log_seed == platform.keys.log_seed
        assert all(oct(k.stat().st_mode)[-3:] == "600" for k in back.settings.secrets_dir.iterdir())
    finally:
        back.close()

    again = run(target_dir, "restore", str(dest), **empty_target)
    assert again.returncode == 1
    assert "already holds records" in again.stderr


def test_backup_refuses_a_directory_in_use(platform: Platform, tmp_path: Path) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "something").write_text("keep me")
    made = run(platform.settings.data_dir, "backup", str(dest), **_source_env(platform))
    assert made.returncode == 1
    assert "not empty" in made.stderr
    assert (dest / "something").read_text() == "keep me"
