"""Functional tests drive a served platform over real HTTP with a signing partner client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonledger.client import PartnerClient
from carbonledger.config import Settings
from carbonledger.platform import Platform
from tests import factories
from tests.served import serve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, str]]:
    """One served SQLite platform per test module; tests make their own partners and citizens."""
    data_dir: Path = tmp_path_factory.mktemp("served") / "data"
    platform = Platform.open(Settings(data_dir=data_dir, checkpoint_interval_seconds=0.2))
    with serve(platform) as url:
        yield platform, url
    platform.close()


@pytest.fixture
def partner(served: tuple[Platform, str]) -> Iterator[tuple[factories.MadePartner, PartnerClient]]:
    platform, url = served
    made = factories.add_partner(platform)
    with PartnerClient(url, made.id, made.key) as client:
        yield made, client


@pytest.fixture
def merchant(served: tuple[Platform, str]) -> Iterator[PartnerClient]:
    """A merchant partner's signing client."""
    platform, url = served
    made = factories.add_partner(platform, role="merchant")
    with PartnerClient(url, made.id, made.key) as client:
        yield client
