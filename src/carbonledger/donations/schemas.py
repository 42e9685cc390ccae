"""Request and response bodies of the project and donation routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from carbonledger.bounds import Amount


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="tree_planting, fish_release or river_cleanup")
    name_zh: str
    name_en: str
    unit_zh: str = Field(description="e.g. 棵")
    unit_en: str = Field(description="e.g. tree")
    points_per_unit: Amount
    goal_points: Amount = Field(description="A whole number of units.")


class ProjectFields(BaseModel):
    """What every view of a project shows: what it is and what its unit is called."""

    project: str
    kind: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str

    @staticmethod
    def of_row(row: Any) -> dict[str, Any]:
        names = ("kind", "name_zh", "name_en", "unit_zh", "unit_en")
        return {"project": row.id, **{name: getattr(row, name) for name in names}}


class ProjectOut(ProjectFields):
    """A project and its progress, as anyone sees it."""

    points_per_unit: int
    goal_points: int
    goal_units: int
    raised_points: int
    units_funded: int
    donors: int
    status: str
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> ProjectOut:
        names = ("points_per_unit", "goal_points", "raised_points", "units_funded", "donors")
        return cls(
            **cls.of_row(row),
            **{name: getattr(row, name) for name in names},
            goal_units=row.goal_points // row.points_per_unit,
            status=row.status,
            created_at=row.created_at,
        )


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(description="open or closed")


class DonationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: str
    units: Amount = Field(description="Whole units of the project's work, e.g. 3 trees.")
    key: str = Field(
        min_length=1,
        max_length=64,
        description="A new key per donation, chosen by the app; a retry repeats it.",
    )


class DonationOut(BaseModel):
    donation: str
    project: str
    units: int
    points: int
    key: str
    donated_at: datetime
    replayed: bool = False

    @classmethod
    def of(cls, row: Any, *, replayed: bool = False) -> DonationOut:
        return cls(
            donation=row.id,
            project=row.project_id,
            units=row.units,
            points=row.points,
            key=row.client_key,
            donated_at=row.created_at,
            replayed=replayed,
        )


class FundedOut(ProjectFields):
    """What the citizen funded in one project, e.g. 3 棵 (trees) for 300 points."""

    units: int
    points: int
    donations: int
    last_donated_at: datetime

    @classmethod
    def of(cls, row: Any) -> FundedOut:
        return cls(
            **cls.of_row(row),
            units=row.units,
            points=row.points,
            donations=row.donations,
            last_donated_at=row.last_donated_at,
        )


class MyDonationsOut(BaseModel):
    funded: list[FundedOut]
    recent: list[DonationOut]
