"""Synthetic citizens in bulk: valid identifiers, encrypted like real ones, points accounts, and
links at every data partner of the synthetic city."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from carbonledger import clock, db
from carbonledger.accounts import repository as accounts_repo
from carbonledger.accounts.service import citizen_row
from carbonledger.platform import Platform
from carbonledger.points.ledger import open_accounts
from carbonledger.points.postings import citizen_account
from carbonledger.simulate.city import PARTNERS, user_id
from carbonledger.simulate.people import habits

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
_CHUNK = 2000


def synthetic_id_number(serial: int, region: str = "110108") -> str:
    """A valid 18-character ID number: a birth date from the serial, and its check digit."""
    born = date(1950, 1, 1) + timedelta(days=(serial // 1000) % 20000)
    body = f"{region}{born:%Y%m%d}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def synthetic_phone(serial: int) -> str:
    return f"139{serial % 10**8:08d}"


def synthetic_name(serial: int) -> str:
    return _SURNAMES[serial % len(_SURNAMES)] + _GIVEN[(serial // 20) % len(_GIVEN)]


def enrol(
    platform: Platform,
    seed: int,
    citizens: int,
    linked: int,
    advance: Callable[[int], None] = lambda _: None,
    first: int = 0,
) -> list[str]:
    """Register citizens first..citizens-1; link those numbered below `linked` at every data
    partner. Return their ids in order; `advance` is told of each group registered."""
    ids: list[str] = []
    data_partners = [p.id for p in PARTNERS if p.role != "merchant"]
    for start in range(first, citizens, _CHUNK):
        now = clock.now()
        rows: list[dict[str, Any]] = []
        for serial in range(start, min(start + _CHUNK, citizens)):
            region = habits(seed, serial).district
            rows.append(
                citizen_row(
                    platform.keys,
                    name=synthetic_name(serial),
                    phone=synthetic_phone(serial),
                    id_number=synthetic_id_number(serial, region),
                    region=region,
                    now=now,
                )
            )
        links = [
            {
                "partner_id": partner,
                "partner_user": user_id(partner, serial),
                "citizen_id": row["id"],
                "linked_at": now,
            }
            for serial, row in enumerate(rows, start)
            if serial < linked
            for partner in data_partners
        ]
        with db.write(platform.engine) as conn:
            accounts_repo.insert_citizens(conn, rows)
            open_accounts(conn, [(citizen_account(row["id"]), "citizen") for row in rows], now)
            accounts_repo.insert_links(conn, links)
        ids.extend(row["id"] for row in rows)
        advance(len(rows))
    return ids
