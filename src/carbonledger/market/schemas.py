"""Request bodies of the market's routes. Here numbers are only kept inside what the database
stores; the domain (lots.py, registry.py, verifiers.py) checks what they mean and lists every
problem at once."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from carbonledger.market.forming import DEFAULT_NOTICE_DAYS, DEFAULT_REVIEW_DAYS, LotTerms
from carbonledger.market.lots import MAX_LOT
from carbonledger.market.units import DEFAULT_BUFFER_BP, DEFAULT_UNIT_MG

MAX_AMOUNT = 10**15  # units, fen and milligrams: far beyond any real lot, inside 64 bits
MAX_DAYS = 36_500  # a day count beyond this cannot be added to a date


class LotIn(BaseModel):
    """A lot to form from every eligible credit of the period, scenarios and regions."""

    model_config = ConfigDict(extra="forbid")
    period_start: date
    period_end: date
    scenarios: list[str] = Field(max_length=50)
    regions: list[str] = Field(max_length=500)
    unit_mg: int = Field(
        DEFAULT_UNIT_MG, ge=-MAX_AMOUNT, le=MAX_AMOUNT, description="Milligrams CO2e a unit."
    )
    buffer_bp: int = Field(
        DEFAULT_BUFFER_BP, ge=-MAX_AMOUNT, le=MAX_AMOUNT, description="Buffer share, basis points."
    )
    notice_days: int = Field(DEFAULT_NOTICE_DAYS, ge=-MAX_DAYS, le=MAX_DAYS)
    review_days: int = Field(DEFAULT_REVIEW_DAYS, ge=-MAX_DAYS, le=MAX_DAYS)

    def terms(self) -> LotTerms:
        return LotTerms(
            period_start=self.period_start,
            period_end=self.period_end,
            scenarios=tuple(self.scenarios),
            regions=tuple(self.regions),
            unit_mg=self.unit_mg,
            buffer_bp=self.buffer_bp,
            notice_days=self.notice_days,
            review_days=self.review_days,
        )


class TextIn(BaseModel):
    """An objection, or an operator's answer to one."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=4000)


class VerifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    public_key: str = Field(max_length=100, description="Base64 of the 32-byte Ed25519 key.")


class SignatureIn(BaseModel):
    """A verifier's signature over the lot's manifest (`registry sign` makes one)."""

    model_config = ConfigDict(extra="forbid")
    verifier: str = Field(max_length=64)
    signature: str = Field(max_length=200, description="Base64 of the 64-byte signature.")


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=41)
    kind: str = Field(max_length=16, description="enterprise, organiser or citizen")
    name: str = Field(max_length=200)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lot: int = Field(ge=1, le=MAX_LOT)
    units: int = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    seller: str = Field("pool", max_length=80)
    buyer: str = Field(max_length=80)
    price_fen: int = Field(
        ge=-MAX_AMOUNT, le=MAX_AMOUNT, description="The whole transfer's price, in fen (≥ 0)."
    )
    funds: str | None = Field(
        None, max_length=120, description="`campaign:<id>` or `project:<id>` the revenue funds"
    )


class RetireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lot: int = Field(ge=1, le=MAX_LOT)
    units: int = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    holder: str = Field(max_length=80)
    purpose: str = Field(max_length=300)
    beneficiary: str = Field(max_length=300)
