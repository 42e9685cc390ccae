"""Operations over HTTP: `/healthz`, `/readyz` (and what makes it refuse), `/metrics` behind its
token with requests, records, batches and the log lock counted, the request id header, a 503
with Retry-After when the database is gone, and the request log lines' fields."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from carbonledger import db
from carbonledger.client import PartnerClient
from carbonledger.config import Settings
from carbonledger.db import make_engine
from carbonledger.keys import Keys
from carbonledger.methodology.catalogue import Catalogue
from carbonledger.platform import Platform
from tests import factories
from tests.served import serve

TOKEN = "scrape-token-1"


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, str]]:
    data_dir: Path = tmp_path_factory.mktemp("watched") / "data"
    settings = Settings(data_dir=data_dir, checkpoint_interval_seconds=0.2, metrics_token=TOKEN)
    platform = Platform.open(settings)
    with serve(platform) as url:
        yield platform, url
    platform.close()


def _metrics(url: str) -> str:
    answer = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


def _sample(text_: str, name: str, **labels: str) -> float:
    """The value of one sample of `name` whose labels include `labels`."""
    for line in text_.splitlines():
        match = re.match(rf"^{name}(?:\{{(.*)\}})? (\S+)$", line)
        if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
            return float(match.group(2))
    raise AssertionError(f"no sample {name} {labels}")


def test_healthz_answers(watched: tuple[Platform, str]) -> None:
    answer = httpx.get(f"{watched[1]}/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_readyz_reports_each_check(watched: tuple[Platform, str]) -> None:
    answer = httpx.get(f"{watched[1]}/readyz")
    assert answer.status_code == 200
    assert answer.json()["checks"] == {
        "database": "writable",
        "migrations": "current",
        "checkpoint": "fresh",
    }


def test_readyz_refuses_an_old_schema_and_a_stale_checkpoint(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", checkpoint_stale_seconds=0.01)
    platform = Platform.open(settings)
    made = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, made.id, "u-1", citizen)
    with serve(platform, background=False) as url:
        with PartnerClient(url, made.id, made.key) as client:
            assert client.submit([factories.record(user="u-1")]).status_code == 200
        answer = httpx.get(f"{url}/readyz")
        assert answer.status_code == 503 and answer.headers["retry-after"]
        assert "waited" in answer.json()["error"]["message"]
        with db.write(platform.engine) as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        message = httpx.get(f"{url}/readyz").json()["error"]["message"]
        assert "carbonledger db upgrade" in message
    platform.close()


def test_metrics_are_off_without_a_token(served: tuple[Platform, str]) -> None:
    assert httpx.get(f"{served[1]}/metrics").status_code == 404


def test_metrics_ask_for_the_token(watched: tuple[Platform, str]) -> None:
    url = watched[1]
    assert httpx.get(f"{url}/metrics").status_code == 401
    wrong = httpx.get(f"{url}/metrics", headers={"Authorization": "Bearer other"})
    assert wrong.status_code == 401


def test_metrics_count_requests_records_and_the_log_lock(watched: tuple[Platform, str]) -> None:
    platform, url = watched
    made = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, made.id, "rider-secret-77", citizen)
    before = _metrics(url)
    with PartnerClient(url, made.id, made.key) as client:
        batch = [factories.record(user="rider-secret-77"), factories.record(user="nobody-linked")]
        assert client.submit(batch).status_code == 200
        looked_up = client.request("GET", "/api/v1/records/ext-secret-42")
        assert looked_up.status_code == 404
    after = _metrics(url)
    assert _sample(after, "carbonledger_records_total", partner=made.id, status="accepted") == 1
    assert _sample(after, "carbonledger_records_total", partner=made.id, status="pending") == 1
    assert _sample(after, "carbonledger_batch_records_count") == (
        _sample(before, "carbonledger_batch_records_count") + 1
    )
    route = "/api/v1/records/{external_id}"
    assert _sample(after, "carbonledger_http_requests_total", route=route, status="404") >= 1
    assert _sample(after, "carbonledger_http_request_duration_seconds_count", route=route) >= 1
    assert _sample(after, "carbonledger_log_lock_wait_seconds_count") > _sample(
        before, "carbonledger_log_lock_wait_seconds_count"
    )
    assert _sample(after, "carbonledger_log_lock_hold_seconds_count") > _sample(
        before, "carbonledger_log_lock_hold_seconds_count"
    )
    assert _sample(after, "carbonledger_log_size") >= 1
    assert _sample(after, "carbonledger_pending_records") >= 1
    assert _sample(after, "carbonledger_points_total", flow="issued") > 0
    assert _sample(after, "carbonledger_db_pool_connections_open") >= 1
    for personal in ("rider-secret-77", "nobody-linked", "ext-secret-42", citizen):
        assert personal not in after


def test_every_answer_carries_a_request_id(watched: tuple[Platform, str]) -> None:
    first = httpx.get(f"{watched[1]}/healthz").headers["x-request-id"]
    second = httpx.get(f"{watched[1]}/no-such-page").headers["x-request-id"]
    assert len(first) == 26 and first != second


def test_a_request_line_names_route_partner_status_and_duration(
    watched: tuple[Platform, str], caplog: pytest.LogCaptureFixture
) -> None:
    platform, url = watched
    made = factories.add_partner(platform)
    with (
        caplog.at_level(logging.INFO, logger="carbonledger.request"),
        PartnerClient(url, made.id, made.key) as client,
    ):
        answer = client.request("GET", "/api/v1/records/secret-external-id")
    lines = [r for r in caplog.records if r.name == "carbonledger.request"]
    line = next(r for r in lines if getattr(r, "route", "") == "/api/v1/records/{external_id}")
    assert line.request_id == answer.headers["x-request-id"]  # type: ignore[attr-defined]
    assert line.partner == made.id  # type: ignore[attr-defined]
    assert line.status == 404  # type: ignore[attr-defined]
    assert line.duration_ms >= 0  # type: ignore[attr-defined]
    assert all("secret-external-id" not in r.getMessage() for r in lines)


def test_a_lost_database_answers_503_with_retry_after(tmp_path: Path) -> None:
    # A PostgreSQL URL where nothing listens: every connection attempt is refused.
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url="postgresql://postgres@127.0.0.1:9/none?connect_timeout=2",
    )
    engine = make_engine(settings.url)
    platform = Platform(settings, engine, Keys.load(settings.secrets_dir), Catalogue.load())
    with serve(platform, background=False) as url:
        answer = httpx.get(f"{url}/log/checkpoint")
        assert answer.status_code == 503
        assert int(answer.headers["retry-after"]) > 0
        assert answer.json()["error"]["code"] == "unavailable"
        assert httpx.get(f"{url}/readyz").status_code == 503
    platform.close()


def test_reads_that_may_lag_go_to_the_read_replica(tmp_path: Path) -> None:
    # The replica is a server where nothing listens: what is routed there fails, nothing else.
    settings = Settings(
        data_dir=tmp_path / "data",
        read_database_url="postgresql://postgres@127.0.0.1:9/none?connect_timeout=2",
    )
    platform = Platform.open(settings)
    made = factories.add_partner(platform)
    with serve(platform, background=False) as url:
        assert httpx.get(f"{url}/api/v1/dashboard").status_code == 503
        with PartnerClient(url, made.id, made.key) as client:
            assert client.submit([factories.record(user="u-2")]).status_code == 200
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 503
        assert "read replica" in ready.json()["error"]["message"]
    platform.close()
