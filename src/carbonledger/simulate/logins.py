"""The demo's logins: a citizen with a password, an operator with every role, and portal access
keys for a data partner and for the mall. Created once with the city, kept in the data
directory (`demo-logins.txt`, readable by its owner only) and printed on every start."""

from __future__ import annotations

import os
import secrets
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.accounts import auth, portal
from carbonledger.accounts import service as accounts
from carbonledger.keys import Keys
from carbonledger.simulate.city import PARTNERS, user_id
from carbonledger.simulate.people import DEMO_CITIZEN, habits
from carbonledger.simulate.population import (
    synthetic_id_number,
    synthetic_name,
    synthetic_phone,
)
from carbonledger.simulate.showcase import DEMO_OPERATOR

FILE_NAME = "demo-logins.txt"
PORTAL_DATA_PARTNER = "bikeshare"
PORTAL_MERCHANT = "mall"


@dataclass(frozen=True, slots=True)
class Logins:
    citizen_phone: str
    citizen_password: str
    operator: str
    operator_password: str
    data_partner: str
    data_partner_key: str
    merchant: str
    merchant_key: str


def _password() -> str:
    # Letters and digits mixed, as the password rules want, whatever token_urlsafe drew.
    return f"demo-{secrets.token_urlsafe(9)}-7"


@dataclass(frozen=True)
class Accounts:
    """The demo's operator, citizen 0 and portal keys, checked and hashed before the write
    transactions that store them (hashing is slow; nothing slow runs inside a write)."""

    operator: dict[str, str]
    operator_password: str
    citizen: auth.Registration
    citizen_password: str
    portal_keys: tuple[tuple[str, str], tuple[str, str]]


def new_accounts(seed: int) -> Accounts:
    """The demo's operator (role admin), the synthetic city's citizen 0 with a password, and
    fresh portal access keys for the data partner and the mall."""
    operator_password, citizen_password = _password(), _password()
    region = habits(seed, DEMO_CITIZEN).district
    return Accounts(
        operator=auth.new_operator(
            DEMO_OPERATOR, "演示管理员 Demo admin", operator_password, ["admin"]
        ),
        operator_password=operator_password,
        citizen=auth.registration(
            name=synthetic_name(DEMO_CITIZEN),
            phone=synthetic_phone(DEMO_CITIZEN),
            id_number=synthetic_id_number(DEMO_CITIZEN, region),
            password=citizen_password,
            region=region,
        ),
        citizen_password=citizen_password,
        portal_keys=(portal.new_portal_key(), portal.new_portal_key()),
    )


def add_operator(conn: Connection, made: Accounts) -> None:
    auth.add_operator(conn, made.operator, clock.now())


def add_citizen(conn: Connection, keys: Keys, made: Accounts) -> str:
    """Store citizen 0 and link them at every data partner (their behaviour is sent later, so
    nothing waits to be released); their id."""
    now = clock.now()
    citizen_id = auth.add_registered(conn, keys, made.citizen, now)
    for partner in (p.id for p in PARTNERS if p.role != "merchant"):
        code = accounts.create_link_code(conn, keys, citizen_id, partner, now, 10)
        accounts.link(conn, keys, partner, user_id(partner, DEMO_CITIZEN), code, now)
    return citizen_id


def portal_keys(conn: Connection, made: Accounts) -> tuple[str, str]:
    """Issue the portal access keys of the data partner and the mall."""
    now = clock.now()
    data_partner, merchant = made.portal_keys
    return (
        portal.issue_portal_key(conn, PORTAL_DATA_PARTNER, data_partner, now),
        portal.issue_portal_key(conn, PORTAL_MERCHANT, merchant, now),
    )


def save(data_dir: Path, logins: Logins) -> None:
    path = data_dir / FILE_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(f"{name}={value}\n" for name, value in asdict(logins).items())


def load(data_dir: Path) -> Logins | None:
    """The saved logins, or None when the data directory has none (a city built before)."""
    path = data_dir / FILE_NAME
    if not path.exists():
        return None
    pairs = dict(
        line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line
    )
    if set(pairs) != {field.name for field in fields(Logins)}:
        return None
    return Logins(**pairs)


def describe(logins: Logins, base: str) -> list[str]:
    """The lines printed on start: where to go and how to log in."""
    return [
        f"citizen app        {base}/app",
        f"  log in with      phone {logins.citizen_phone}  password {logins.citizen_password}",
        f"partner portal     {base}/portal",
        f"  {logins.data_partner:<16} access key {logins.data_partner_key}",
        f"  {logins.merchant:<16} access key {logins.merchant_key}",
        f"operator console   {base}/console",
        f"  log in as        {logins.operator}  password {logins.operator_password}",
        f"dashboard          {base}/dashboard",
        f"handbook           {base}/handbook",
        f"partner API docs   {base}/docs",
        f"log checkpoint     {base}/log/checkpoint",
    ]
