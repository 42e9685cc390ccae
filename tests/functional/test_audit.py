"""The audit of the dashboard (`carbonledger audit --url`): the log's leaves, reversals counted
against what they reverse, agree with the dashboard; a changed rollup and a changed leaf are
each found and named."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from carbonledger import clock, db
from carbonledger.client import PartnerClient
from carbonledger.config import Settings
from carbonledger.ingest.crediting import reverse
from carbonledger.ingest.tables import rollups
from carbonledger.platform import Platform
from tests import factories
from tests.commands import run
from tests.factories import record
from tests.served import serve

Served = tuple[Platform, str]


@pytest.fixture
def city(tmp_path: Path) -> Iterator[Served]:
    """A served city with credits of two scenarios over three days and one reversal."""
    platform = Platform.open(Settings(data_dir=tmp_path / "data", checkpoint_interval_seconds=0.2))
    with serve(platform) as url:
        made = factories.add_partner(platform)
        for n in range(3):
            factories.link(platform, made.id, f"u{n}", factories.add_citizen(platform))
        records = [
            record(
                scenario,
                user=f"u{n}",
                start=clock.now() - timedelta(days=d, hours=2),
                quantity=quantity,
            )
            for n in range(3)
            for d in range(3)
            for scenario, quantity in (("walking", 6000 + n), ("metro", 1))
        ]
        with PartnerClient(url, made.id, made.key) as client:
            results = client.submit(records).json()["results"]
        assert all(r["status"] == "accepted" for r in results)
        with db.write(platform.engine) as conn:
            reverse(conn, platform, results[0]["record"], "found on review", clock.now())
        deadline = time.monotonic() + 10
        while httpx.get(f"{url}/log/checkpoint").text.split("\n")[1] != str(len(records) + 1):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield platform, url
    platform.close()


def _audit(url: str, tmp_path: Path) -> tuple[int, str, str]:
    done = run(tmp_path / "auditor", "audit", "--url", url)
    return done.returncode, done.stdout, " ".join(done.stderr.split())


def test_the_dashboard_agrees_with_the_log(city: Served, tmp_path: Path) -> None:
    url = city[1]
    code, out, err = _audit(url, tmp_path)
    assert code == 0, err
    # 18 credits, one reversed: 17 standing, as the dashboard says too.
    assert "19 leaves verified" in out and "17 standing credits" in out
    dashboard = httpx.get(f"{url}/api/v1/dashboard").json()
    assert dashboard["totals"]["accepted"] == 17 and dashboard["log_size"] == 19
    assert "audited: the dashboard agrees with the log" in out


def test_a_changed_rollup_is_named(city: Served, tmp_path: Path) -> None:
    platform, url = city
    with db.write(platform.engine) as conn:
        row = conn.execute(
            select(rollups.c.day, rollups.c.scenario).where(rollups.c.scenario == "metro").limit(1)
        ).one()
        conn.execute(
            update(rollups)
            .where(rollups.c.day == row.day, rollups.c.scenario == "metro")
            .values(reduction_mg=rollups.c.reduction_mg + 1000)
        )
    code, _, err = _audit(url, tmp_path)
    assert code == 1
    assert "dashboard, scenario metro: reduction_mg" in err and "(+1000)" in err
    assert f"dashboard, day {row.day.isoformat()}: reduction_mg" in err


def test_a_changed_leaf_is_named(city: Served, tmp_path: Path) -> None:
    platform, url = city
    factories.change_leaf(platform, 4, b'"reduction_mg":', b'"reduction_mg":1')
    code, _, err = _audit(url, tmp_path)
    assert code == 1
    assert "leaf 4" in err
