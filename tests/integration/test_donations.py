"""Donations on SQLite and PostgreSQL: projects with goals and public progress, whole-unit
donations idempotent by the citizen's key, and every refusal moving nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from carbonledger import clock, db
from carbonledger.donations import service
from carbonledger.donations.rules import ProjectTerms
from carbonledger.donations.tables import donations
from carbonledger.errors import Conflict, InsufficientPoints, InvalidInput, NotFound
from carbonledger.platform import Platform
from tests import factories
from tests.integration.earning import balance, earn, reconciled, write

TREES = ProjectTerms("tree_planting", "永定河植树", "Yongding river trees", "棵", "tree", 100, 1000)


def _project(platform: Platform, terms: ProjectTerms = TREES) -> str:
    return write(platform, lambda conn: service.create_project(conn, terms, "op-1", clock.now()))


def _donate(
    platform: Platform, citizen: str, project: str, units: int, key: str
) -> service.Donated:
    now = clock.now()
    return write(platform, lambda conn: service.donate(conn, citizen, project, units, key, now))


def _progress(platform: Platform, project: str) -> tuple[int, int, int, str]:
    with db.read(platform.engine) as conn:
        row = service.project(conn, project)
    return row.raised_points, row.units_funded, row.donors, row.status


def _rich_citizen(platform: Platform, trips: int = 3) -> str:
    citizen = factories.add_citizen(platform)
    earn(platform, citizen, trips)
    return citizen


def test_a_donation_funds_whole_units_and_shows_in_the_progress(platform: Platform) -> None:
    project = _project(platform)
    citizen = _rich_citizen(platform)
    done = _donate(platform, citizen, project, 3, "tap-1")
    assert (done.donation.units, done.donation.points, done.replayed) == (3, 300, False)
    assert balance(platform, f"citizen:{citizen}") == 3 * 214 - 300
    assert balance(platform, f"project:{project}") == 300
    assert _progress(platform, project) == (300, 3, 1, "open")
    with db.read(platform.engine) as conn:
        funded = service.funded_by(conn, citizen)
    [mine] = funded.projects
    assert (mine.id, mine.units, mine.points, mine.unit_zh, mine.unit_en) == (
        project,
        3,
        300,
        "棵",
        "tree",
    )
    assert [d.client_key for d in funded.recent] == ["tap-1"]
    reconciled(platform)


def test_a_retry_with_the_same_key_moves_nothing(platform: Platform) -> None:
    project = _project(platform)
    citizen = _rich_citizen(platform)
    first = _donate(platform, citizen, project, 2, "tap-1")
    again = _donate(platform, citizen, project, 2, "tap-1")
    assert again.replayed and again.donation.id == first.donation.id
    assert balance(platform, f"citizen:{citizen}") == 3 * 214 - 200
    assert _progress(platform, project) == (200, 2, 1, "open")
    with pytest.raises(Conflict) as reused:
        _donate(platform, citizen, project, 5, "tap-1")
    assert reused.value.code == "idempotency_key_reused"
    reconciled(platform)


def test_donors_are_counted_once_each(platform: Platform) -> None:
    project = _project(platform)
    first, second = _rich_citizen(platform), _rich_citizen(platform)
    _donate(platform, first, project, 1, "a")
    _donate(platform, first, project, 1, "b")
    _donate(platform, second, project, 2, "a")
    assert _progress(platform, project) == (400, 4, 2, "open")
    with db.read(platform.engine) as conn:
        [of_first] = service.funded_by(conn, first).projects
        assert (of_first.units, of_first.donations) == (2, 2)
        assert [d.units for d in service.funded_by(conn, second).recent] == [2]


def test_insufficient_points_move_nothing(platform: Platform) -> None:
    project = _project(platform)
    citizen = _rich_citizen(platform, trips=1)
    with pytest.raises(InsufficientPoints) as refused:
        _donate(platform, citizen, project, 3, "tap-1")
    assert "you hold 214 points and 3 棵 (tree) cost 300" in refused.value.message
    assert balance(platform, f"citizen:{citizen}") == 214
    assert _progress(platform, project) == (0, 0, 0, "open")
    with db.read(platform.engine) as conn:
        assert conn.execute(select(func.count()).select_from(donations)).scalar_one() == 0
    # The key was not spent: the same key with an amount the citizen holds goes through.
    assert not _donate(platform, citizen, project, 2, "tap-1").replayed
    reconciled(platform)


def test_a_closed_project_takes_no_donations_until_reopened(platform: Platform) -> None:
    project = _project(platform)
    citizen = _rich_citizen(platform)
    write(platform, lambda conn: service.set_status(conn, project, "closed"))
    with pytest.raises(Conflict) as closed:
        _donate(platform, citizen, project, 1, "tap-1")
    assert closed.value.code == "project_closed"
    assert balance(platform, f"citizen:{citizen}") == 3 * 214
    write(platform, lambda conn: service.set_status(conn, project, "open"))
    assert _donate(platform, citizen, project, 1, "tap-1").donation.points == 100
    with pytest.raises(InvalidInput):
        write(platform, lambda conn: service.set_status(conn, project, "paused"))
    with pytest.raises(NotFound):
        write(platform, lambda conn: service.set_status(conn, "01JD0000000000000000000000", "open"))


def test_a_project_takes_no_more_than_its_goal(platform: Platform) -> None:
    project = _project(platform, replace(TREES, goal_points=300))
    citizen = _rich_citizen(platform)
    _donate(platform, citizen, project, 2, "a")
    with pytest.raises(Conflict) as over:
        _donate(platform, citizen, project, 2, "b")
    assert over.value.code == "over_goal" and "only 1 unit" in over.value.message
    _donate(platform, citizen, project, 1, "c")
    with pytest.raises(Conflict) as reached:
        _donate(platform, citizen, project, 1, "d")
    assert reached.value.code == "goal_reached"
    assert _progress(platform, project) == (300, 3, 1, "open")


def test_bad_projects_and_donations_are_refused(platform: Platform) -> None:
    with pytest.raises(InvalidInput) as bad:
        _project(platform, replace(TREES, kind="planting", goal_points=150))
    assert bad.value.code == "invalid_project"
    project = _project(platform)
    citizen = _rich_citizen(platform, trips=1)
    for units, key, code in ((0, "k", "invalid_units"), (1, "", "invalid_donation")):
        with pytest.raises(InvalidInput) as refused:
            _donate(platform, citizen, project, units, key)
        assert refused.value.code == code
    with pytest.raises(NotFound) as unknown:
        _donate(platform, citizen, "01JD0000000000000000000000", 1, "k")
    assert unknown.value.code == "unknown_project"


def test_the_public_list_shows_open_projects_first(platform: Platform) -> None:
    older = _project(platform)
    newer = _project(platform, replace(TREES, kind="fish_release", unit_zh="尾", unit_en="fish"))
    write(platform, lambda conn: service.set_status(conn, older, "closed"))
    with db.read(platform.engine) as conn:
        listed = service.projects(conn)
    assert [(p.id, p.status) for p in listed] == [(newer, "open"), (older, "closed")]
