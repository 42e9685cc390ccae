"""Log leaves (PARTNER_API.md §5): the RFC 8785 canonical JSON of one credit or reversal, or of
one published step of a lottery. Pure.

A leaf names the citizen only by a keyed pseudonym; it carries no name, phone, ID number or the
partner's user id. `quantity` is the credited quantity (after any cap), so that
`reduction_mg = quantity × factor` can be recomputed from the leaf and the published methodology.
Lottery leaves (`kind="lottery"`) carry no account at all, only digests, counts and the seed;
retirement leaves (`kind="retirement"`, market/leaf.py) name a lot's retired serials and their
purpose; code that reads credits uses `decode_leaf` and skips both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from carbonledger.canonical import canonical_json
from carbonledger.market.leaf import RETIREMENT_KIND, RetirementLeaf

LEAF_VERSION = 1
LOTTERY_KIND = "lottery"
LOTTERY_STAGES = ("commit", "close", "reveal")
# The fields each lottery stage publishes besides lottery, stage and time.
_STAGE_FIELDS = {
    "commit": ("commitment", "terms_digest", "opens", "closes"),
    "close": ("entries_digest", "entries"),
    "reveal": ("seed",),
}

_TIME_FIELDS = {"opens", "closes"}


def _utc(time: datetime) -> str:
    return time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(data: bytes) -> dict[str, Any]:
    try:
        body = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"not a Carbon Ledger leaf: {error}") from None
    if not isinstance(body, dict):
        raise ValueError("not a Carbon Ledger leaf: not a JSON object")
    if body.get("v") != LEAF_VERSION:
        raise ValueError(f"unknown leaf version {body.get('v')!r}")
    return body


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
            "time": _utc(self.time),
        }
        if self.reverses is not None:
            body["reverses"] = self.reverses
        return body

    def encode(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def decode(cls, data: bytes) -> Leaf:
        """Parse a credit's or reversal's bytes; raise ValueError naming what is wrong."""
        return cls.from_json(_parse(data))

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Leaf:
        if body.get("kind") in (LOTTERY_KIND, RETIREMENT_KIND):
            raise ValueError(f"a {body['kind']} leaf is not a credit or a reversal")
        try:
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
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a Carbon Ledger leaf: {error}") from None


@dataclass(frozen=True, slots=True)
class LotteryLeaf:
    """One published step of a verifiable lottery (see points/lottery.py): when it opens
    (`stage="commit"`: the seed's commitment, the terms digest and the entry window), when its
    entries close (`"close"`: the entries digest and how many entries), and after (`"reveal"`:
    the seed, hex). A stage carries only its own fields."""

    lottery: str
    stage: str
    time: datetime
    commitment: str | None = None
    terms_digest: str | None = None
    opens: datetime | None = None
    closes: datetime | None = None
    entries_digest: str | None = None
    entries: int | None = None
    seed: str | None = None

    def __post_init__(self) -> None:
        if self.stage not in LOTTERY_STAGES:
            raise ValueError(
                f"a lottery leaf's stage is one of {LOTTERY_STAGES}, not {self.stage!r}"
            )
        for name in {name for fields in _STAGE_FIELDS.values() for name in fields}:
            wanted = name in _STAGE_FIELDS[self.stage]
            if wanted != (getattr(self, name) is not None):
                verb = "needs" if wanted else "does not carry"
                raise ValueError(f"a lottery {self.stage} leaf {verb} {name}")

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "v": LEAF_VERSION,
            "kind": LOTTERY_KIND,
            "lottery": self.lottery,
            "stage": self.stage,
            "time": _utc(self.time),
        }
        for name in _STAGE_FIELDS[self.stage]:
            value = getattr(self, name)
            body[name] = _utc(value) if isinstance(value, datetime) else value
        return body

    def encode(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> LotteryLeaf:
        try:
            stage = body["stage"]
            fields = {name: body[name] for name in _STAGE_FIELDS.get(stage, ())}
            for name in _TIME_FIELDS & set(fields):
                fields[name] = datetime.fromisoformat(fields[name])
            return cls(
                lottery=body["lottery"],
                stage=stage,
                time=datetime.fromisoformat(body["time"]),
                **fields,
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a Carbon Ledger lottery leaf: {error!r}") from None


def decode_leaf(data: bytes) -> Leaf | LotteryLeaf | RetirementLeaf:
    """Parse any leaf of the log by its kind; raise ValueError naming what is wrong."""
    body = _parse(data)
    if body.get("kind") == LOTTERY_KIND:
        return LotteryLeaf.from_json(body)
    if body.get("kind") == RETIREMENT_KIND:
        return RetirementLeaf.from_json(body)
    return Leaf.from_json(body)
