"""One origin per log, chosen on first start and kept in the data directory; `verify` keeps its
state per origin, so one state directory verifies several deployments, and still refuses a new
key for an origin it knows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from carbonledger import clock, db
from carbonledger.client import PartnerClient
from carbonledger.config import Settings
from carbonledger.platform import Platform
from carbonledger.translog import publisher
from carbonledger.translog.origin import ORIGIN_FILE
from carbonledger.translog.sources import HttpSource
from carbonledger.translog.verify import VerifyError, state_file, verify
from tests import factories
from tests.factories import record
from tests.served import serve


def _open(data_dir: Path, origin: str = "") -> Platform:
    return Platform.open(
        Settings(data_dir=data_dir, log_origin=origin, checkpoint_interval_seconds=0.2)
    )


def _credit_and_sign(platform: Platform, url: str) -> None:
    made = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, made.id, "u", citizen)
    with PartnerClient(url, made.id, made.key) as client:
        client.submit([record("walking", user="u", quantity=5000)])
    deadline = time.monotonic() + 10
    while httpx.get(f"{url}/log/checkpoint").text.split("\n")[1:2] != ["1"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.fixture
def deployments(tmp_path: Path) -> Iterator[list[tuple[Platform, str]]]:
    with ExitStack() as stack:
        served = []
        for name in ("one", "two"):
            platform = _open(tmp_path / name)
            stack.callback(platform.close)
            url = stack.enter_context(serve(platform))
            _credit_and_sign(platform, url)
            served.append((platform, url))
        yield served


def test_each_data_directory_has_its_own_origin_kept_across_starts(tmp_path: Path) -> None:
    first, second = _open(tmp_path / "a"), _open(tmp_path / "b")
    again = _open(tmp_path / "a")
    origins = [p.settings.log_origin for p in (first, second, again)]
    for platform in (first, second, again):
        platform.close()
    assert origins[0] != origins[1] and origins[0] == origins[2]
    assert all(o.startswith("carbonledger.local/log/") for o in origins)
    assert (tmp_path / "a" / ORIGIN_FILE).read_text().strip() == origins[0]
    chosen = _open(tmp_path / "a", origin="city.example/log")
    assert chosen.settings.log_origin == "city.example/log"
    chosen.close()


def test_a_log_signed_before_the_file_existed_keeps_its_origin(tmp_path: Path) -> None:
    platform = _open(tmp_path / "old", origin="carbonledger.local/log")
    factories.add_citizen(platform)
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
    platform.close()
    (tmp_path / "old" / ORIGIN_FILE).unlink(missing_ok=True)
    reopened = _open(tmp_path / "old")
    assert reopened.settings.log_origin == "carbonledger.local/log"
    reopened.close()


def test_one_state_directory_verifies_two_deployments(
    deployments: list[tuple[Platform, str]], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    for _, url in deployments * 2:
        with HttpSource(url) as source:
            verify(source, state)
    files = sorted(p.name for p in state.iterdir())
    assert files == sorted(state_file(state, p.settings.log_origin).name for p, _ in deployments)
    with HttpSource(deployments[1][1]) as source:
        assert verify(source, state).previous == 1


def test_a_new_key_for_a_known_origin_is_refused(
    deployments: list[tuple[Platform, str]], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    known, url = deployments[0]
    with HttpSource(url) as source:
        verify(source, state)
    impostor = _open(tmp_path / "impostor", origin=known.settings.log_origin)
    try:
        with serve(impostor) as impostor_url:
            _credit_and_sign(impostor, impostor_url)
            with HttpSource(impostor_url) as source, pytest.raises(VerifyError) as refused:
                verify(source, state)
    finally:
        impostor.close()
    assert f"the log {known.settings.log_origin} was verified before under the key" in str(
        refused.value
    )
