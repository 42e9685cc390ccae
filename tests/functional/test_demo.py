"""The demo builds a small city through the real pipeline; its log verifies and its points
reconcile, also after an operator reverses a credit; a second run reuses it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from carbonledger import db
from carbonledger.config import Settings
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from tests.commands import run


def _an_accepted_record(data_dir: Path) -> str:
    platform = Platform.open(Settings(data_dir=data_dir))
    with db.read(platform.engine) as conn:
        found = conn.execute(
            select(records.c.id).where(records.c.status == "accepted", records.c.points > 0)
        ).first()
    platform.close()
    assert found is not None
    return str(found.id)


def test_demo_builds_verifies_reconciles_and_is_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    built = run(data_dir, "demo", "--citizens", "150", "--days", "2", "--build-only")
    assert built.returncode == 0, built.stderr
    assert "built the demo city" in built.stderr and "'accepted'" in built.stderr
    assert "/log/checkpoint" in built.stdout
    assert sorted(p.name for p in (data_dir / "partners").iterdir())[0] == "appliances.pem"
    verified = run(data_dir, "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("verified: ")
    reconciled = run(data_dir, "reconcile")
    assert reconciled.returncode == 0, reconciled.stderr
    assert "reconciled: every figure agrees" in reconciled.stdout

    record_id = _an_accepted_record(data_dir)
    reversed_ = run(data_dir, "reverse", record_id, "--reason", "duplicate account found in review")
    assert reversed_.returncode == 0, reversed_.stderr
    assert f"record {record_id} reversed by leaf" in reversed_.stdout
    again = run(data_dir, "reverse", record_id, "--reason", "twice")
    assert again.returncode == 1 and "not_reversible" in again.stderr
    assert run(data_dir, "verify").returncode == 0
    assert run(data_dir, "reconcile").returncode == 0

    reused = run(data_dir, "demo", "--build-only")
    assert reused.returncode == 0 and "reusing the demo city" in reused.stderr
