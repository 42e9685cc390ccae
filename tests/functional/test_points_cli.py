"""`carbonledger points expire` and `carbonledger reconcile` as an operator runs them: a real
process per command, exit codes and what they print."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from carbonledger import clock, db
from carbonledger.config import Settings
from carbonledger.platform import Platform
from carbonledger.points.tables import point_accounts
from tests import factories
from tests.commands import run
from tests.integration.helpers import submit


def test_points_expire_twice_then_reconcile(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    platform = Platform.open(Settings(data_dir=data_dir))
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "u", citizen)
    submit(platform, partner.id, [factories.record("cycling", user="u")])
    platform.close()
    year = clock.now().astimezone(platform.settings.zone).year

    early = run(data_dir, "points", "expire", "--today", f"{year + 1}-12-31")
    assert early.returncode == 0, early.stderr
    assert early.stdout.strip() == f"{year + 1}-12-31: 0 points expired, from 0 citizen(s)"
    due = run(data_dir, "points", "expire", "--today", f"{year + 2}-01-01")
    assert due.stdout.strip() == f"{year + 2}-01-01: 214 points expired, from 1 citizen(s)"
    again = run(data_dir, "points", "expire", "--today", f"{year + 2}-01-01")
    assert again.stdout.strip() == f"{year + 2}-01-01: 0 points expired, from 0 citizen(s)"
    bad = run(data_dir, "points", "expire", "--today", "next year")
    assert bad.returncode == 2 and "--today" in bad.stderr

    reconciled = run(data_dir, "reconcile")
    assert reconciled.returncode == 0, reconciled.stderr
    assert "  expired: 214" in reconciled.stdout
    assert "  held by citizens: 0" in reconciled.stdout
    assert "  award: 214" in reconciled.stdout and "  expiry: 214" in reconciled.stdout

    platform = Platform.open(Settings(data_dir=data_dir))
    with db.write(platform.engine) as conn:  # tamper: expired points brought back
        conn.execute(
            update(point_accounts).where(point_accounts.c.id == "expired").values(balance=0)
        )
    platform.close()
    tampered = run(data_dir, "reconcile")
    assert tampered.returncode == 1
    assert "mismatch" in tampered.stderr and "expired" in tampered.stderr
