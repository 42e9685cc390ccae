"""Request and response bodies of the points routes: award rules, campaigns, a citizen's points."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from carbonledger.bounds import Amount, Moment
from carbonledger.points.rules import RulesVersion
from carbonledger.points.service import CampaignState
from carbonledger.points.statement import Statement


class RulesIn(BaseModel):
    """New award rules, in force for every credit from now on."""

    model_config = ConfigDict(extra="forbid")
    mg_per_point: Amount = Field(description="Milligrams CO2e per point; 1000 = 1 point per gram.")
    daily_cap: Amount | None = Field(
        description="Most credit points (base and bonuses) a citizen earns a local day; "
        "null for no cap."
    )


class RulesVersionOut(BaseModel):
    mg_per_point: int
    daily_cap: int | None
    set_at: datetime | None = Field(description="null for the default, never set")
    set_by: str | None

    @classmethod
    def of(cls, version: RulesVersion) -> RulesVersionOut:
        return cls(
            mg_per_point=version.rules.mg_per_point,
            daily_cap=version.rules.daily_cap,
            set_at=version.set_at,
            set_by=version.set_by,
        )


class RulesOut(RulesVersionOut):
    """The rules in force, and the versions before them, newest first."""

    earlier: list[RulesVersionOut]

    @classmethod
    def of_versions(cls, versions: list[RulesVersion]) -> RulesOut:
        current = RulesVersionOut.of(versions[0])
        return cls(**current.model_dump(), earlier=[RulesVersionOut.of(v) for v in versions[1:]])


class CampaignIn(BaseModel):
    """A campaign: a points multiplier for credits in a window, paid from its own budget."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="Letters, digits, '.', '_' or '-'; names the budget account.")
    name_zh: str
    name_en: str
    starts_at: Moment = Field(description="With a time zone; the window includes it.")
    ends_at: Moment = Field(description="With a time zone; the window excludes it.")
    multiplier_permille: Amount = Field(description="2000 doubles the points; 1000 to 10000.")
    scenarios: list[str] = Field(default=[], description="Scenario codes; empty for any.")
    categories: list[str] = Field(default=[], description="Scenario categories; empty for any.")
    regions: list[str] = Field(
        default=[], description="6-digit division codes (province, prefecture or district)."
    )
    budget: Amount = Field(description="Points funded from issuance for the bonuses.")


class CampaignOut(BaseModel):
    """A campaign as citizens see it."""

    id: str
    name_zh: str
    name_en: str
    starts_at: datetime
    ends_at: datetime
    multiplier_permille: int
    scenarios: list[str]
    categories: list[str]
    regions: list[str]
    budget_left: int

    @classmethod
    def fields_of(cls, state: CampaignState) -> dict[str, object]:
        c = state.campaign
        return {
            "id": c.id,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "starts_at": c.starts_at,
            "ends_at": c.ends_at,
            "multiplier_permille": c.multiplier_permille,
            "scenarios": sorted(c.scenarios),
            "categories": sorted(c.categories),
            "regions": sorted(c.regions),
            "budget_left": state.budget_left,
        }

    @classmethod
    def of(cls, state: CampaignState) -> CampaignOut:
        return cls.model_validate(cls.fields_of(state))


class CampaignAdminOut(CampaignOut):
    """A campaign as the operator sees it: what was funded, its state and who changed it."""

    budget: int = Field(description="Points funded so far: the first budget and every top-up.")
    status: Literal["open", "closed"]
    created_at: datetime
    created_by: str
    closed_at: datetime | None
    closed_by: str | None

    @classmethod
    def of(cls, state: CampaignState) -> CampaignAdminOut:
        return cls.model_validate(
            cls.fields_of(state)
            | {
                "budget": state.campaign.budget,
                "status": state.status,
                "created_at": state.created_at,
                "created_by": state.created_by,
                "closed_at": state.closed_at,
                "closed_by": state.closed_by,
            }
        )


class TopUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points: Amount = Field(gt=0, description="Points added to the budget from issuance.")
    idempotency_key: str = Field(
        min_length=1,
        max_length=64,
        description="Yours, new for each top-up: a retry with the same key adds nothing.",
    )


class ExpiringOut(BaseModel):
    earned_year: int
    points: int
    last_day: date = Field(description="The last local day these points can be used.")


class MovementOut(BaseModel):
    kind: str = Field(description="award, bonus, clawback, expiry, …")
    points: int
    direction: Literal["in", "out"]
    at: datetime
    counterparty: str = Field(description="The other account: issuance, campaign:…, merchant:…")
    record: str | None = Field(description="The credited record that caused it, if any.")
    leaf_index: int | None = Field(description="Its leaf in the public log, if any.")
    ref: str | None
    memo: str | None


class PointsOut(BaseModel):
    """My points: the balance, what expires when (oldest first), the latest movements."""

    balance: int
    expiring: list[ExpiringOut]
    movements: list[MovementOut]
    owed: int = Field(0, description="Points owed after a reversal, taken from the next awards.")

    @classmethod
    def of(cls, seen: Statement) -> PointsOut:
        return cls(
            balance=seen.balance,
            owed=seen.owed,
            expiring=[ExpiringOut(**e._asdict()) for e in seen.expiring],
            movements=[MovementOut(**asdict(m)) for m in seen.movements],
        )
