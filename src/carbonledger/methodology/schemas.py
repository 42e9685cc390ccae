"""Request and response bodies of the methodology routes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class VersionIn(BaseModel):
    """A new factor for a scenario from an effective date (after today), with its provenance."""

    model_config = ConfigDict(extra="forbid")
    scenario: str = Field(max_length=32)
    effective_from: str = Field(max_length=10, description="YYYY-MM-DD, after today")
    factor: str = Field(
        max_length=24,
        description="grams CO2e per unit (a decimal), or for `secondhand` the embodied rate",
    )
    status: str = Field(description="sourced, derived or provisional")
    provenance: str = Field(max_length=2000)
    derivation: str = Field("", max_length=2000, description="required for a derived factor")
    version_id: str = Field("", max_length=20, description="defaults to the effective date")


class PublishedVersionOut(BaseModel):
    scenario: str
    id: str
    effective_from: date
    status: str
    provenance: str
    factor_g: float | None = None
    embodied_rate: float | None = None
    derivation: str | None = None
    published_by: str
    published_at: datetime
