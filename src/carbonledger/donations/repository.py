"""SQL of projects and donations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.db import insert_if_new
from carbonledger.donations.tables import donations, projects


def insert_project(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(projects.insert(), [row])


def project(conn: Connection, project_id: str, *, lock: bool = False) -> Row[Any] | None:
    """One project; `lock` holds its row until the transaction ends, so that donations to it
    are checked against its goal and status one at a time."""
    statement = select(projects).where(projects.c.id == project_id)
    return conn.execute(statement.with_for_update() if lock else statement).first()


def all_projects(conn: Connection) -> list[Row[Any]]:
    """Open projects first, then closed ones; the newest first within each."""
    return list(
        conn.execute(select(projects).order_by(projects.c.status.desc(), projects.c.id.desc()))
    )


def set_status(conn: Connection, project_id: str, status: str) -> bool:
    result = conn.execute(update(projects).where(projects.c.id == project_id).values(status=status))
    return result.rowcount == 1


def add_progress(
    conn: Connection, project_id: str, points: int, units: int, new_donor: bool
) -> None:
    conn.execute(
        update(projects)
        .where(projects.c.id == project_id)
        .values(
            raised_points=projects.c.raised_points + points,
            units_funded=projects.c.units_funded + units,
            donors=projects.c.donors + (1 if new_donor else 0),
        )
    )


def donation_by_key(conn: Connection, citizen_id: str, client_key: str) -> Row[Any] | None:
    return conn.execute(
        select(donations).where(
            donations.c.citizen_id == citizen_id, donations.c.client_key == client_key
        )
    ).first()


def has_donated(conn: Connection, citizen_id: str, project_id: str) -> bool:
    found = conn.execute(
        select(donations.c.id)
        .where(donations.c.citizen_id == citizen_id, donations.c.project_id == project_id)
        .limit(1)
    ).first()
    return found is not None


def insert_donation(conn: Connection, row: dict[str, Any]) -> bool:
    """False when the citizen's client key is taken (perhaps by a concurrent retry)."""
    return insert_if_new(conn, donations, row)


def funded_by(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    """What a citizen funded: per project, units and points donated and the last donation."""
    return list(
        conn.execute(
            select(
                projects,
                func.sum(donations.c.units).label("units"),
                func.sum(donations.c.points).label("points"),
                func.count().label("donations"),
                func.max(donations.c.created_at).label("last_donated_at"),
            )
            .join(projects, projects.c.id == donations.c.project_id)
            .where(donations.c.citizen_id == citizen_id)
            .group_by(*projects.c)
            .order_by(func.max(donations.c.created_at).desc())
        )
    )


def donations_of(conn: Connection, citizen_id: str, limit: int) -> list[Row[Any]]:
    """A citizen's latest donations, newest first."""
    return list(
        conn.execute(
            select(donations)
            .where(donations.c.citizen_id == citizen_id)
            .order_by(donations.c.created_at.desc(), donations.c.id.desc())
            .limit(limit)
        )
    )
