"""Per-record results of the partner API (PARTNER_API.md §2) and their wire form. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple


class Status(StrEnum):
    """What became of a record."""

    ACCEPTED = "accepted"
    """Credited: quantified, in the log, points awarded."""
    DUPLICATE = "duplicate"
    """The same behaviour was already credited from this or another source."""
    PENDING = "pending"
    """Kept, waiting for the person to link this partner."""
    REJECTED = "rejected"
    """Not credited; `reason` says why."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of a record."""

    field: str
    message: str


class Result(NamedTuple):
    """The platform's answer for one record."""

    external_id: str | None
    status: Status
    record: str | None = None
    reason: str | None = None
    duplicate_of: str | None = None
    reduction_mg: int = 0
    points: int = 0
    methodology: str | None = None
    leaf_index: int | None = None
    capped: bool = False
    errors: tuple[FieldError, ...] = ()
    replayed: bool = False

    def as_replay(self) -> Result:
        return self._replace(replayed=True)

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {"external_id": self.external_id, "status": self.status.value}
        if self.record is not None:
            body["record"] = self.record
        if self.reason is not None:
            body["reason"] = self.reason
        if self.status is Status.ACCEPTED:
            body.update(
                reduction_g=self.reduction_mg / 1000,
                points=self.points,
                methodology=self.methodology,
                leaf_index=self.leaf_index,
                capped=self.capped,
            )
        elif self.status is Status.DUPLICATE:
            body.update(duplicate_of=self.duplicate_of, reduction_g=0, points=0)
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        if self.replayed:
            body["replayed"] = True
        return body


def summary(results: list[Result]) -> dict[str, int]:
    counts = {status.value: 0 for status in Status}
    for result in results:
        counts[result.status.value] += 1
    return counts
