"""One settings object for the whole platform, read from `CARBONLEDGER_*` environment variables."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set. Each field is documented in README's settings table."""

    model_config = SettingsConfigDict(env_prefix="CARBONLEDGER_", frozen=True)

    data_dir: Path = Field(Path("data"), description="Where the SQLite file, keys and state live.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means the SQLite file carbonledger.db in data_dir."
    )
    read_database_url: str = Field(
        "", description="A replica for reads that may lag (ledgers, reports, tiles); empty: none."
    )
    timezone: str = Field("Asia/Shanghai", description="The city's time zone; days are local days.")
    region: str = Field(
        "110000", description="Default region code (6 digits) for records without one."
    )
    log_origin: str = Field(
        "",
        description="The log's name in checkpoints; empty: the one in data_dir/log.origin, "
        "chosen on first start.",
    )
    retention_days: int = Field(
        30, description="How old a record may be, and how long pending waits."
    )
    clock_skew_seconds: int = Field(300, description="How far in the future occurred_at may lie.")
    request_window_seconds: int = Field(300, description="Allowed drift of X-Timestamp.")
    nonce_ttl_seconds: int = Field(600, description="How long a nonce is remembered for replay.")
    rate_limit_per_minute: int = Field(
        600, description="Signed requests a partner may make a minute."
    )
    max_batch_records: int = Field(1000, description="Records a batch may carry.")
    max_body_bytes: int = Field(2 * 1024 * 1024, description="Largest request body accepted.")
    body_timeout_seconds: float = Field(
        30.0, description="How long a client may take to send a request's whole body."
    )
    checkpoint_interval_seconds: float = Field(1.0, description="How often new leaves are signed.")
    witnesses: str = Field(
        "", description="Witnesses to ask for cosignatures: `VKEY=URL` entries separated by commas."
    )
    link_code_minutes: int = Field(10, description="How long a citizen's link code stays valid.")
    session_hours: float = Field(12.0, description="How long a login session lasts.")
    sms_sender: str = Field(
        "file",
        description="How SMS codes are sent: `file` writes them to data_dir/sms/outbox.jsonl; "
        "`module:factory` names a gateway's sender.",
    )
    key_overlap_hours: float = Field(
        24.0,
        ge=0,
        description="How long a partner's replaced signing key still signs, while its servers "
        "move to the new one.",
    )
    report_font: str = Field(
        "", description="A TrueType font with Chinese glyphs for PDF reports; empty: look for one."
    )
    redemption_hold_minutes: int = Field(
        1440, gt=0, description="How long a voucher can be used before it is voided."
    )
    metrics_token: str = Field(
        "", description="Bearer token that /metrics asks for; empty: /metrics answers 404."
    )
    checkpoint_stale_seconds: float = Field(
        60.0, gt=0, description="Unsigned leaves older than this make /readyz answer 503."
    )

    @field_validator("region")
    @classmethod
    def _six_digits(cls, value: str) -> str:
        if len(value) != 6 or not value.isdigit():
            raise ValueError("region must be a 6-digit administrative division code")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def url(self) -> str:
        """The database URL in SQLAlchemy form (psycopg 3 driver for PostgreSQL)."""
        if not self.database_url:
            return f"sqlite:///{self.data_dir / 'carbonledger.db'}"
        return sqlalchemy_url(self.database_url)

    @property
    def read_url(self) -> str:
        """Where reads that may lag go: the replica when one is set, else the primary."""
        return sqlalchemy_url(self.read_database_url) if self.read_database_url else self.url

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"


def sqlalchemy_url(url: str) -> str:
    """`url` for SQLAlchemy with the psycopg 3 driver. A libpq multi-host URL
    (`postgresql://user@h1:5432,h2:5432/db?target_session_attrs=read-write`) becomes SQLAlchemy's
    spelling of the same, one `host=` parameter per server."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
            break
    else:
        return url
    split = urlsplit(url)
    userinfo, _, hosts = split.netloc.rpartition("@")
    if "," not in hosts:
        return url
    query = [("host", host) for host in hosts.split(",")] + parse_qsl(split.query)
    netloc = f"{userinfo}@" if userinfo else ""
    return urlunsplit((split.scheme, netloc, split.path, urlencode(query, safe=":/"), ""))
