"""Wire schemas of the partner API for the OpenAPI document (PARTNER_API.md §2, §3). Request
bodies are read raw (the signature covers the exact bytes) and validated by `records.validate`,
which reports every problem of a record; these models describe the same shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class RecordIn(BaseModel):
    """One green behaviour of one person, as the partner reports it."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=128)
    user: str = Field(min_length=1, max_length=128)
    scenario: str
    occurred_at: datetime
    ended_at: datetime | None = None
    quantity: float = Field(gt=0)
    region: str | None = Field(None, pattern=r"^\d{6}$")
    evidence: dict[str, Any] | None = None


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[RecordIn] = Field(min_length=1, max_length=1000)


class FieldErrorOut(BaseModel):
    field: str
    message: str


class RecordResult(BaseModel):
    external_id: str | None
    status: Literal["accepted", "duplicate", "pending", "rejected"]
    record: str | None = None
    reason: str | None = None
    duplicate_of: str | None = None
    reduction_g: float | None = None
    points: int | None = None
    methodology: str | None = None
    leaf_index: int | None = None
    capped: bool | None = None
    errors: list[FieldErrorOut] | None = None
    replayed: bool | None = None


class BatchSummary(BaseModel):
    accepted: int
    duplicate: int
    pending: int
    rejected: int


class BatchResults(BaseModel):
    results: list[RecordResult]
    summary: BatchSummary


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=128)
    code: str = Field(min_length=8, max_length=8)


class LinkOut(BaseModel):
    user: str
    linked_at: datetime
    pending_credited: int


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


SIGNED_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorOut,
        "description": "missing_header, unknown_partner, bad_signature, "
        "stale_timestamp or replayed_nonce",
    },
    403: {"model": ErrorOut, "description": "partner_suspended or partner_pending"},
    429: {"model": ErrorOut, "description": "rate_limited; see Retry-After"},
}
