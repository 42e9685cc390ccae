"""Request and response bodies of the review routes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class FlagIn(BaseModel):
    """Put a standing credit in the review queue by hand."""

    model_config = ConfigDict(extra="forbid")
    record: str = Field(min_length=1, max_length=26)
    note: str = Field(min_length=1, max_length=1000, description="why it needs a second look")


class ReverseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000, description="kept with the reversal")


class KeepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=1000)


class FlagOut(BaseModel):
    record: str
    reasons: list[str] = Field(description="capped, near_bound, operator")
    detail: str
    status: str = Field(description="open, reversed or kept")
    flagged_at: datetime
    flagged_by: str | None
    decided_at: datetime | None
    decided_by: str | None
    note: str | None
    partner: str
    citizen: str | None
    scenario: str | None
    day: date
    region: str
    occurred_at: datetime | None
    ended_at: datetime | None
    quantity: float
    credited: float
    reduction_mg: int
    points: int
    methodology: str | None
    leaf_index: int | None
    record_status: str


class QueueOut(BaseModel):
    status: str
    counts: dict[str, int]
    open_by_reason: dict[str, int]
    flags: list[FlagOut]


class ReversedOut(BaseModel):
    record: str
    leaf_index: int = Field(description="the reversal's leaf in the public log")
