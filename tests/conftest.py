"""Shared fixtures: platforms on SQLite and PostgreSQL built by the real migrations, and a
served instance over real HTTP on loopback.

PostgreSQL tests skip when no server answers, unless CARBONLEDGER_REQUIRE_POSTGRES=1 (as in CI),
which turns a missing server into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text

from carbonledger import db
from carbonledger.config import Settings, sqlalchemy_url
from carbonledger.db import make_engine
from carbonledger.platform import Platform, bootstrap
from carbonledger.schema import metadata

PG_ADMIN_URL = os.environ.get(
    "CARBONLEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("CARBONLEDGER_REQUIRE_POSTGRES") == "1"


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    problem = _postgres_available()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (CARBONLEDGER_REQUIRE_POSTGRES=1) but: {problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    name = f"carbonledger_test_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_pg_migrated: dict[str, bool] = {}


def _empty_postgres(platform: Platform) -> None:
    """Remove every row (the schema stays, built once by the migrations) and bootstrap again."""
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with db.write(platform.engine) as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    bootstrap(platform.engine)


def make_platform(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, **overrides: object
) -> Platform:
    if kind == "sqlite":
        settings = Settings(data_dir=tmp_path / "data", **overrides)  # type: ignore[arg-type]
        return Platform.open(settings)
    url = request.getfixturevalue("postgres_url")
    settings = Settings(data_dir=tmp_path / "data", database_url=url, **overrides)  # type: ignore[arg-type]
    first = url not in _pg_migrated
    platform = Platform.open(settings, upgrade=first)
    _pg_migrated[url] = True
    _empty_postgres(platform)
    return platform


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    """A platform with an empty database, on SQLite and on PostgreSQL."""
    built = make_platform(request.param, tmp_path, request)
    yield built
    built.close()


@pytest.fixture
def sqlite_platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    built = make_platform("sqlite", tmp_path, request)
    yield built
    built.close()


@pytest.fixture
def pg_platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    built = make_platform("postgresql", tmp_path, request)
    yield built
    built.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def bare_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database without any schema, on SQLite and on PostgreSQL, for migrating
    from an earlier revision."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
        yield engine
        engine.dispose()
        return
    base = request.getfixturevalue("postgres_url").rsplit("/", 1)[0]
    name = f"carbonledger_bare_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(sqlalchemy_url(f"{base}/{name}"))
    yield engine
    engine.dispose()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
