"""Log leaves (PARTNER_API.md §5): the RFC 8785 canonical JSON of one credit or reversal, or of
one published step of a lottery. Pure.

A leaf carries no name, phone, ID number or the partner's user id. `quantity` is the credited
quantity (after any cap), so that `reduction_mg = quantity × factor` can be recomputed from the
leaf and the published methodology. Lottery leaves (`kind="lottery"`) carry no account at all,
only digests, counts and the seed; retirement leaves (`kind="retirement"`, market/leaf.py) name
a lot's retired serials and their purpose; code that reads credits uses `decode_leaf` and skips
both.

Two versions live in one log. Version 1 (the first leaves ever written) named the citizen by one
pseudonym for life and the record by its id, and carried the time to the second. Version 2, what
is written now, names the citizen by a pseudonym of the day and scenario (translog/pseudonyms.py),
the record
by a tag, and carries the local day only; a reversal names no citizen (the credit it reverses
does). Every reader accepts both; `credit_leaf` and `reversal_leaf` are the one way to write one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from carbonledger.canonical import canonical_json, json_number, json_string
from carbonledger.market.leaf import RETIREMENT_KIND, RetirementLeaf
from carbonledger.translog.pseudonyms import day_pseudonym, record_tag

LEAF_VERSION = 2
LEAF_VERSIONS = (1, 2)
# Lottery leaves name no citizen, so their form did not change with version 2.
LOTTERY_LEAF_VERSION = 1
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
    if body.get("v") not in LEAF_VERSIONS:
        raise ValueError(f"unknown leaf version {body.get('v')!r}")
    return body


@dataclass(frozen=True, slots=True)
class Leaf:
    """One credit (`kind="credit"`) or the withdrawal of one (`kind="reversal"`), of either
    version: `account` is absent from a v2 reversal, `time` from every v2 leaf."""

    kind: str
    record: str
    partner: str
    account: str | None
    scenario: str
    methodology: str
    quantity: float
    unit: str
    reduction_mg: int
    points: int
    day: date
    region: str
    time: datetime | None = None
    reverses: int | None = None
    v: int = LEAF_VERSION

    def __post_init__(self) -> None:
        if self.v not in LEAF_VERSIONS:
            raise ValueError(f"unknown leaf version {self.v!r}")
        if self.v == 1 and (self.time is None or self.account is None):
            raise ValueError("a v1 leaf carries its account and its time")
        if self.v != 1 and self.time is not None:
            raise ValueError("a v2 leaf carries no time of day")

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "v": self.v,
            "kind": self.kind,
            "record": self.record,
            "partner": self.partner,
            "scenario": self.scenario,
            "methodology": self.methodology,
            "quantity": self.quantity,
            "unit": self.unit,
            "reduction_mg": self.reduction_mg,
            "points": self.points,
            "day": self.day.isoformat(),
            "region": self.region,
        }
        if self.account is not None:
            body["account"] = self.account
        if self.time is not None:
            body["time"] = _utc(self.time)
        if self.reverses is not None:
            body["reverses"] = self.reverses
        return body

    def encode(self) -> bytes:
        return canonical_json(self.to_json())

    def names_record(self, record_id: str) -> bool:
        """Whether this leaf is about the record `record_id` (v1 by id, v2 by tag)."""
        return self.record == (record_id if self.v == 1 else record_tag(record_id))

    @classmethod
    def decode(cls, data: bytes) -> Leaf:
        """Parse a credit's or reversal's bytes; raise ValueError naming what is wrong."""
        return cls.from_json(_parse(data))

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Leaf:
        if body.get("kind") in (LOTTERY_KIND, RETIREMENT_KIND):
            raise ValueError(f"a {body['kind']} leaf is not a credit or a reversal")
        version, kind = body.get("v"), body.get("kind")
        if kind not in ("credit", "reversal"):
            raise ValueError(f"not a Carbon Ledger leaf: unknown kind {kind!r}")
        # v1 leaves always carried the account and the time; a v2 credit names its citizen, a
        # v2 reversal does not, and no v2 leaf has a time of day.
        required = (
            {"account", "time"} if version == 1 else {"account"} if kind == "credit" else set()
        )
        if missing := required - body.keys():
            raise ValueError(f"not a Carbon Ledger leaf: no {', '.join(sorted(missing))}")
        if version != 1 and "time" in body:
            raise ValueError("not a Carbon Ledger leaf: a v2 leaf carries no time of day")
        try:
            return cls(
                v=body["v"],
                kind=body["kind"],
                record=body["record"],
                partner=body["partner"],
                account=body.get("account"),
                scenario=body["scenario"],
                methodology=body["methodology"],
                quantity=body["quantity"],
                unit=body["unit"],
                reduction_mg=body["reduction_mg"],
                points=body["points"],
                day=date.fromisoformat(body["day"]),
                region=body["region"],
                time=datetime.fromisoformat(body["time"]) if version == 1 else None,
                reverses=body.get("reverses"),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a Carbon Ledger leaf: missing or malformed {error}") from None


def credit_leaf(
    *,
    record_id: str,
    partner: str,
    pseudonym_key: bytes,
    scenario: str,
    methodology: str,
    quantity: float,
    unit: str,
    reduction_mg: int,
    points: int,
    day: date,
    region: str,
) -> bytes:
    """The bytes of a new (v2) credit leaf: the citizen named by the pseudonym of the day and
    scenario, the record by its tag, no time of day. Written from a template of the canonical
    form (the members in RFC 8785 order) where every number has its standard-library form, which
    is every credit in practice; otherwise by `Leaf`, whose bytes the template equals."""
    account, tag = day_pseudonym(pseudonym_key, day, scenario), record_tag(record_id)
    numbers = json_number(points), json_number(quantity), json_number(reduction_mg)
    if None not in numbers:
        points_text, quantity_text, reduction_text = numbers
        return (
            f'{{"account":{json_string(account)},"day":"{day.isoformat()}","kind":"credit",'
            f'"methodology":{json_string(methodology)},"partner":{json_string(partner)},'
            f'"points":{points_text},"quantity":{quantity_text},"record":{json_string(tag)},'
            f'"reduction_mg":{reduction_text},"region":{json_string(region)},'
            f'"scenario":{json_string(scenario)},"unit":{json_string(unit)},"v":{LEAF_VERSION}}}'
        ).encode()
    return Leaf(
        kind="credit",
        record=tag,
        partner=partner,
        account=account,
        scenario=scenario,
        methodology=methodology,
        quantity=quantity,
        unit=unit,
        reduction_mg=reduction_mg,
        points=points,
        day=day,
        region=region,
    ).encode()


def reversal_leaf(credit: bytes, reverses: int, points: int) -> bytes:
    """The bytes of a new (v2) reversal of the credit leaf `credit` (of either version) at index
    `reverses`: its grams negated, `points` (≥ 0) clawed back. It names no citizen."""
    leaf = Leaf.decode(credit)
    if leaf.kind != "credit":
        raise ValueError(f"leaf {reverses} is a {leaf.kind}, not a credit")
    return Leaf(
        kind="reversal",
        record=leaf.record if leaf.v == LEAF_VERSION else record_tag(leaf.record),
        partner=leaf.partner,
        account=None,
        scenario=leaf.scenario,
        methodology=leaf.methodology,
        quantity=leaf.quantity,
        unit=leaf.unit,
        reduction_mg=-leaf.reduction_mg,
        points=-points,
        day=leaf.day,
        region=leaf.region,
        reverses=reverses,
    ).encode()


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
            "v": LOTTERY_LEAF_VERSION,
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
