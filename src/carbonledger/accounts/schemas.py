"""Request and response bodies of the login and registration routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class RegisterIn(BaseModel):
    """A citizen's real-name registration (实名注册)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=1, max_length=20)
    id_number: str = Field(min_length=1, max_length=18)
    password: str = Field(min_length=1, max_length=128)
    region: str | None = Field(None, description="6-digit district code; the city's by default.")


class CitizenLoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: str = Field(min_length=1, max_length=20)
    password: str = Field(min_length=1, max_length=128)


class OperatorLoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class SessionOut(BaseModel):
    """Who is logged in, and the CSRF token to send with every change."""

    kind: str
    subject: str
    csrf: str
    expires_at: datetime
    roles: list[str] = []


class ProfileOut(BaseModel):
    """The logged-in citizen as the app shows them: personal data masked."""

    citizen: str
    name: str
    phone: str
    region: str
    points: int
    registered_at: datetime


class OperatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=128)
    roles: list[str]


class OperatorOut(BaseModel):
    operator: str
    name: str
    roles: list[str]
    status: str


class LinkCodeIn(BaseModel):
    """Which partner the new link code is for."""

    model_config = ConfigDict(extra="forbid")
    partner: str = Field(min_length=1, max_length=64)


class LinkCodeOut(BaseModel):
    """A one-time code to give to the partner's app (PARTNER_API.md §3)."""

    code: str
    partner: str
    expires_at: datetime


class LinkOut(BaseModel):
    """A partner account linked to the citizen: its partner and the partner's id for the user."""

    partner: str
    name: str
    user: str
    linked_at: datetime


class PartnerIn(BaseModel):
    """A partner's registration: it starts pending until an operator approves it."""

    model_config = ConfigDict(extra="forbid")
    partner: str = Field(min_length=2, max_length=64, description="a-z, 0-9, '_' and '-'")
    name: str = Field(min_length=1, max_length=200)
    role: str = Field("data", description="data, merchant or both")
    public_key: str = Field(description="the raw 32-byte Ed25519 public key, base64")


class PartnerOut(BaseModel):
    partner: str
    name: str
    role: str
    status: str = Field(description="pending, active or suspended")
    created_at: datetime
