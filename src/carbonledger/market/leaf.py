"""The retirement leaf (kind `retirement`): the public, permanent record that units were
retired. Pure. It names the lot, the serial ranges, the units and their size, the purpose and
the beneficiary, and the time (to the second). It names no holder account: a retirement says
what was retired and for whom, not who paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from carbonledger.canonical import canonical_json

RETIREMENT_KIND = "retirement"
_VERSION = 1


@dataclass(frozen=True, slots=True)
class RetirementLeaf:
    lot: str
    serials: tuple[str, ...]
    units: int
    unit_mg: int
    purpose: str
    beneficiary: str
    time: datetime
    retirement: str

    @property
    def kind(self) -> str:
        return RETIREMENT_KIND

    def to_json(self) -> dict[str, Any]:
        return {
            "v": _VERSION,
            "kind": RETIREMENT_KIND,
            "retirement": self.retirement,
            "lot": self.lot,
            "serials": list(self.serials),
            "units": self.units,
            "unit_mg": self.unit_mg,
            "purpose": self.purpose,
            "beneficiary": self.beneficiary,
            "time": self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def encode(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> RetirementLeaf:
        try:
            return cls(
                lot=body["lot"],
                serials=tuple(body["serials"]),
                units=int(body["units"]),
                unit_mg=int(body["unit_mg"]),
                purpose=body["purpose"],
                beneficiary=body["beneficiary"],
                time=datetime.fromisoformat(body["time"]),
                retirement=body["retirement"],
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a retirement leaf: {error!r}") from None
