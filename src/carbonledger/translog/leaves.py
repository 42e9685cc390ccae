"""Log leaves (PARTNER_API.md §5): the RFC 8785 canonical JSON of one credit or reversal. Pure.

A leaf names the citizen only by a keyed pseudonym; it carries no name, phone, ID number or the
partner's user id. `quantity` is the credited quantity (after any cap), so that
`reduction_mg = quantity × factor` can be recomputed from the leaf and the published methodology.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from carbonledger.canonical import canonical_json

LEAF_VERSION = 1


@dataclass(frozen=True, slots=True)
class Leaf:
    """One credit (`kind="credit"`) or the withdrawal of one (`kind="reversal"`)."""

    kind: str
    record: str
    partner: str
    account: str
    scenario: str
    methodology: str
    quantity: float
    unit: str
    reduction_mg: int
    points: int
    day: date
    region: str
    time: datetime
    reverses: int | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "v": LEAF_VERSION,
            "kind": self.kind,
            "record": self.record,
            "partner": self.partner,
            "account": self.account,
            "scenario": self.scenario,
            "methodology": self.methodology,
            "quantity": self.quantity,
            "unit": self.unit,
            "reduction_mg": self.reduction_mg,
            "points": self.points,
            "day": self.day.isoformat(),
            "region": self.region,
            "time": self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if self.reverses is not None:
            body["reverses"] = self.reverses
        return body

    def encode(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def decode(cls, data: bytes) -> Leaf:
        """Parse a leaf's bytes; raise ValueError naming what is wrong."""
        try:
            body = json.loads(data)
            if body.get("v") != LEAF_VERSION:
                raise ValueError(f"unknown leaf version {body.get('v')!r}")
            return cls(
                kind=body["kind"],
                record=body["record"],
                partner=body["partner"],
                account=body["account"],
                scenario=body["scenario"],
                methodology=body["methodology"],
                quantity=body["quantity"],
                unit=body["unit"],
                reduction_mg=body["reduction_mg"],
                points=body["points"],
                day=date.fromisoformat(body["day"]),
                region=body["region"],
                time=datetime.fromisoformat(body["time"]),
                reverses=body.get("reverses"),
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
            raise ValueError(f"not a Carbon Ledger leaf: {error}") from None
