"""`carbonledger import` as an operator runs it, on SQLite and PostgreSQL: a real process killed
mid-file and run again ends in the same state as a run that was never interrupted, and the
rejected rows land in a file with their line numbers and reasons."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.ingest.tables import records, rollups
from carbonledger.platform import Platform, bootstrap
from carbonledger.points.tables import point_accounts
from carbonledger.schema import metadata
from carbonledger.simulate.city import PARTNERS, City
from carbonledger.simulate.population import enrol
from carbonledger.translog import sequencer
from tests import factories
from tests.commands import run

SEED, CITIZENS, DAYS = 11, 300, 6
BATCH = "100"


def _city(platform: Platform) -> None:
    for profile in PARTNERS:
        factories.add_partner(platform, profile.id, profile.role)
    enrol(platform, SEED, CITIZENS, linked=CITIZENS * 9 // 10)


def _wipe(platform: Platform) -> None:
    with db.write(platform.engine) as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    bootstrap(platform.engine)


def _food_file(platform: Platform, path: Path) -> int:
    """The food partner's week as JSON Lines, with a few unreadable and invalid rows."""
    town = City(SEED, CITIZENS, platform.settings.zone)
    first = (clock.now() - timedelta(days=DAYS)).astimezone(platform.settings.zone).date()
    count = 0
    with path.open("w") as out:
        for report in town.days(first, DAYS):
            if report.partner_id != "food":
                continue
            count += 1
            if count % 250 == 0:
                out.write("{not json\n")
            if count % 301 == 0:
                report.record["quantity"] = "lots"
            out.write(json.dumps(report.record, ensure_ascii=False) + "\n")
    return count


def _env(platform: Platform) -> dict[str, str]:
    env = {"CARBONLEDGER_DATABASE_URL": platform.settings.database_url}
    return env if platform.settings.database_url else {}


def _end_state(platform: Platform) -> dict[str, Any]:
    """Everything an import decides, without the ids and times that differ between runs."""
    with db.read(platform.engine) as conn:
        rows = conn.execute(select(records)).all()
        external = {row.id: row.external_id for row in rows}
        return {
            "records": sorted(
                (
                    row.external_id,
                    row.partner_user,
                    row.status,
                    row.reason,
                    row.errors,
                    row.reduction_mg,
                    row.points,
                    row.methodology,
                    row.leaf_index,
                    row.capped,
                    external.get(row.duplicate_of),
                    row.day,
                )
                for row in rows
            ),
            "rollups": sorted(tuple(row) for row in conn.execute(select(rollups))),
            "balances": sorted(row.balance for row in conn.execute(select(point_accounts))),
            "log_size": sequencer.head(conn).size,
        }


def _import(path: Path, platform: Platform, *args: str) -> subprocess.CompletedProcess[str]:
    return run(
        platform.settings.data_dir, "import", str(path), "--partner", "food", "--batch-size",
        BATCH, *args, **_env(platform),
    )  # fmt: skip


def _interrupt_after_batches(
    path: Path, platform: Platform, batches: int, how: signal.Signals, batch_size: str = BATCH
) -> tuple[int, str, str]:
    """Start an import, send it `how` once it has committed `batches` batches; return its exit
    code, output and the rest of its error output."""
    env = dict(os.environ, CARBONLEDGER_DATA_DIR=str(platform.settings.data_dir))
    env.update(_env(platform))
    process = subprocess.Popen(
        [sys.executable, "-m", "carbonledger.cli", "import", str(path), "--partner", "food",
         "--batch-size", batch_size],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    committed = 0
    for line in process.stderr:
        committed += line.startswith("imported through line")
        if committed == batches:
            break
    process.send_signal(how)
    out, rest = process.communicate(timeout=60)
    assert committed == batches
    return process.returncode, out, rest


def test_an_import_killed_mid_file_and_resumed_ends_as_an_uninterrupted_one(
    platform: Platform, tmp_path: Path
) -> None:
    _city(platform)
    path = tmp_path / "food.jsonl"
    sent = _food_file(platform, path)
    whole = _import(path, platform)
    assert whole.returncode == 0, whole.stderr
    assert "import finished" in whole.stdout
    uninterrupted = _end_state(platform)
    rejected_file = tmp_path / "food.jsonl.rejected.jsonl"
    rejected = [json.loads(line) for line in rejected_file.read_text().splitlines()]
    rejected_file.unlink()

    _wipe(platform)
    _city(platform)
    killed, _, _ = _interrupt_after_batches(path, platform, 3, signal.SIGKILL)
    assert killed == -signal.SIGKILL
    stored = len(_end_state(platform)["records"])
    assert 250 <= stored < sent  # killed mid-file, after three batches of 100 rows
    resumed = _import(path, platform)
    assert resumed.returncode == 0, resumed.stderr
    assert _end_state(platform) == uninterrupted
    assert [json.loads(line) for line in rejected_file.read_text().splitlines()] == rejected

    statuses = {status for _, _, status, *_ in uninterrupted["records"]}
    assert statuses == {"accepted", "duplicate", "pending", "rejected"}
    assert len(uninterrupted["records"]) == sent  # every record with an external_id is kept
    lines = path.read_text().splitlines()
    unreadable = [r for r in rejected if r["reason"] == "unreadable_row"]
    assert [lines[r["line"] - 1] for r in unreadable] == ["{not json"] * (sent // 250)
    bad_numbers = [r for r in rejected if r["reason"] == "invalid_field"]
    assert len(bad_numbers) == sent // 301
    assert all(r["errors"] == [{"field": "quantity", "message": "must be a number"}]
               for r in bad_numbers)  # fmt: skip


def test_ctrl_c_stops_between_batches_with_a_summary_and_the_way_to_resume(
    platform: Platform, tmp_path: Path
) -> None:
    factories.add_partner(platform, "food")
    path = tmp_path / "food.jsonl"
    start = clock.now() - timedelta(days=1)
    with path.open("w") as out:
        for i in range(1000):
            at = start + timedelta(seconds=i)
            out.write(json.dumps(factories.record("own_bag", start=at, quantity=1)) + "\n")
    code, out, err = _interrupt_after_batches(path, platform, 1, signal.SIGINT, batch_size="5")
    assert code == 130, err
    assert "import interrupted" in out and "every row up to line" in out
    assert "stopping after the batch in progress" in err
    assert "run the same command again to resume" in err
    with db.read(platform.engine) as conn:
        stored = len(conn.execute(select(records.c.id)).all())
    assert 5 <= stored < 1000
    stale = tmp_path / "food.jsonl.rejected.jsonl"
    stale.write_text('{"line": 1, "reason": "from an earlier run"}\n')
    resumed = _import(path, platform)
    assert resumed.returncode == 0, resumed.stderr
    assert not stale.exists()  # this run rejected nothing
    with db.read(platform.engine) as conn:
        assert len(conn.execute(select(records.c.id)).all()) == 1000


def test_an_unknown_partner_or_a_bad_header_is_refused_before_anything_is_read(
    platform: Platform, tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text("external_id,colour\nx,red\n")
    unknown = run(
        platform.settings.data_dir, "import", str(path), "--partner", "nobody", **_env(platform)
    )
    assert unknown.returncode == 1 and "unknown_partner" in unknown.stderr
    factories.add_partner(platform, "food")
    header = run(
        platform.settings.data_dir, "import", str(path), "--partner", "food", **_env(platform)
    )
    assert header.returncode == 1 and "'colour'" in header.stderr
