"""SQL of the published methodology versions."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from carbonledger.db import insert_if_new
from carbonledger.ingest.tables import rollups
from carbonledger.methodology.catalogue import Version
from carbonledger.methodology.tables import methodology_versions


def count_versions(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(methodology_versions)).scalar_one())


def published(conn: Connection) -> list[Row[Any]]:
    """Every published version, by scenario and effective date."""
    query = select(methodology_versions).order_by(
        methodology_versions.c.scenario, methodology_versions.c.effective_from
    )
    return list(conn.execute(query))


def version_of(row: Row[Any]) -> Version:
    return Version(
        scenario=row.scenario,
        id=row.id,
        effective_from=row.effective_from,
        status=row.status,
        provenance=row.provenance,
        factor_ug=row.factor_ug,
        rate_ppm=row.rate_ppm,
        derivation=row.derivation,
    )


def published_versions(conn: Connection) -> list[Version]:
    return [version_of(row) for row in published(conn)]


def insert_version(conn: Connection, row: dict[str, Any]) -> bool:
    return insert_if_new(conn, methodology_versions, row)


def credited_from(conn: Connection, scenario: str, day: date) -> bool:
    """Whether any credit of `scenario` stands on `day` or later (read from the rollups)."""
    query = (
        select(rollups.c.day)
        .where(rollups.c.scenario == scenario, rollups.c.day >= day, rollups.c.accepted > 0)
        .limit(1)
    )
    return conn.execute(query).first() is not None
