"""Publishing methodology versions (role `methodology`) and reading them back. Services never
commit; the entry point owns the transaction.

Publishing holds the log's lock, like a credit batch: a batch either finished before the
version was stored, or starts after it and reads it (`Platform.refresh_catalogue`). With the
effective date after every day that may already be credited, and a check that no credit of the
scenario stands on or after it, publishing changes no credit already made — only records
occurring from the effective date on are quantified by the new version (DESIGN.md invariant 6).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.errors import Conflict, InvalidInput
from carbonledger.methodology import repository as repo
from carbonledger.methodology.catalogue import Catalogue, CatalogueError, Version
from carbonledger.methodology.publishing import Draft, check_draft
from carbonledger.platform import Platform
from carbonledger.translog import sequencer


def earliest_effective_date(platform: Platform, now: datetime) -> date:
    """The first day a new version may take effect: the day after the latest local day a
    record may already have occurred on (records may lie up to the clock skew ahead)."""
    ahead = now + timedelta(seconds=platform.settings.clock_skew_seconds)
    return ahead.astimezone(platform.settings.zone).date() + timedelta(days=1)


def publish(
    conn: Connection, platform: Platform, draft: Draft, operator_id: str, now: datetime
) -> dict[str, Any]:
    """Check the draft and store it as a published version; return it as `published` lists it."""
    sequencer.lock(conn)
    catalogue = platform.refresh_catalogue(conn)
    version, problems = check_draft(
        draft, catalogue.scenario(draft.scenario), earliest_effective_date(platform, now)
    )
    if version is None:
        raise InvalidInput("; ".join(problems), code="invalid_version")
    scenario = catalogue.scenario(version.scenario)
    assert scenario is not None
    for existing in scenario.versions:
        if existing.id == version.id or existing.effective_from == version.effective_from:
            raise Conflict(
                f"{scenario.code}@{existing.id} already takes effect on "
                f"{existing.effective_from.isoformat()}; choose another date or version id",
                code="version_exists",
            )
    if repo.credited_from(conn, scenario.code, version.effective_from):
        raise Conflict(
            f"credits of {scenario.code} already stand on or after "
            f"{version.effective_from.isoformat()}; choose a later date",
            code="credits_after_effective_date",
        )
    try:
        Catalogue.load([*repo.published_versions(conn), version])
    except CatalogueError as error:
        raise InvalidInput(str(error), code="invalid_version") from None
    repo.insert_version(
        conn,
        {
            "scenario": version.scenario,
            "id": version.id,
            "effective_from": version.effective_from,
            "factor_ug": version.factor_ug,
            "rate_ppm": version.rate_ppm,
            "status": version.status,
            "provenance": version.provenance,
            "derivation": version.derivation,
            "published_by": operator_id,
            "published_at": now,
        },
    )
    return _view(version, operator_id, now)


def published(conn: Connection) -> list[dict[str, Any]]:
    """Every published version with who published it and when, newest first."""
    rows = sorted(repo.published(conn), key=lambda row: row.published_at, reverse=True)
    return [_view(repo.version_of(row), row.published_by, row.published_at) for row in rows]


def _view(version: Version, operator_id: str, at: datetime) -> dict[str, Any]:
    return {
        "scenario": version.scenario,
        **version.to_public(),
        "published_by": operator_id,
        "published_at": at,
    }
