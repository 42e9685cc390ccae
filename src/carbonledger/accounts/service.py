"""Partners, citizens and links: the operations behind the operator CLI, the citizen app and
the partner API's link routes. Services never commit; the entry point owns the transaction."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.accounts import identity, protection
from carbonledger.accounts import repository as repo
from carbonledger.errors import Conflict, Gone, InvalidInput, NotFound
from carbonledger.ids import random_code, ulid
from carbonledger.ingest.signing import parse_public_key
from carbonledger.keys import Keys
from carbonledger.points.ledger import open_citizen_account

PARTNER_ROLES = ("data", "merchant", "both")
_PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
_REGION = re.compile(r"^\d{6}$")
_LINK_CODE_LENGTH = 8


def add_partner(
    conn: Connection,
    partner_id: str,
    name: str,
    public_key: str,
    role: str,
    now: datetime,
    *,
    pending: bool = False,
) -> None:
    """Register a partner with its signing key; a `pending` one is refused by the signed API
    until an operator approves it."""
    problems = []
    if not _PARTNER_ID.match(partner_id):
        problems.append("the id must be 2-64 characters of a-z, 0-9, '_' and '-'")
    if not name.strip():
        problems.append("the name must not be empty")
    if role not in PARTNER_ROLES:
        problems.append(f"the role must be one of {', '.join(PARTNER_ROLES)}")
    try:
        key = parse_public_key(public_key)
    except ValueError as error:
        problems.append(str(error))
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_partner")
    check_key_unused(conn, key, partner_id)
    row = {
        "id": partner_id,
        "name": name.strip(),
        "role": role,
        "public_key": key,
        "status": "pending" if pending else "active",
        "created_at": now,
    }
    if not repo.insert_partner(conn, row):
        raise Conflict(
            f"a partner with the id {partner_id!r} exists already", code="partner_exists"
        )


def check_key_unused(conn: Connection, key: bytes, partner_id: str) -> None:
    """A signing key belongs to one partner: refuse one that another partner holds or held."""
    if repo.key_holders(conn, key) - {partner_id}:
        raise Conflict(
            "this public key belongs to another partner; generate a new key pair",
            code="key_in_use",
        )


def partner_names(conn: Connection) -> dict[str, str]:
    """Every partner's display name by id (company names, shown on the public dashboard)."""
    return repo.partner_names(conn)


def set_partner_status(conn: Connection, partner_id: str, status: str) -> None:
    if not repo.set_partner(conn, partner_id, status=status):
        raise NotFound(f"no partner has the id {partner_id!r}", code="unknown_partner")


# What each operator action on a partner does: from which statuses, to which.
PARTNER_ACTIONS = {
    "approve": (("pending",), "active"),
    "suspend": (("active", "pending"), "suspended"),
    "resume": (("suspended",), "active"),
}


def change_partner(conn: Connection, partner_id: str, action: str) -> str:
    """Approve a pending partner, suspend one, or resume a suspended one; return its status."""
    if action not in PARTNER_ACTIONS:
        raise InvalidInput(
            f"the action must be one of {', '.join(PARTNER_ACTIONS)}", code="invalid_action"
        )
    found = repo.partner(conn, partner_id)
    if found is None:
        raise NotFound(f"no partner has the id {partner_id!r}", code="unknown_partner")
    allowed, status = PARTNER_ACTIONS[action]
    if found.status not in allowed:
        raise Conflict(
            f"partner {partner_id!r} is {found.status}; {action} applies only to a partner "
            f"that is {' or '.join(allowed)}",
            code="partner_status",
        )
    repo.set_partner(conn, partner_id, status=status)
    return status


def _partner_view(row: Any) -> dict[str, Any]:
    return {
        "partner": row.id,
        "name": row.name,
        "role": row.role,
        "status": row.status,
        "created_at": row.created_at,
    }


def partners(conn: Connection) -> list[dict[str, Any]]:
    """Every partner as the operator sees it (newest first), without its key."""
    return [_partner_view(row) for row in repo.all_partners(conn)]


def partner_view(conn: Connection, partner_id: str) -> dict[str, Any]:
    found = repo.partner(conn, partner_id)
    if found is None:
        raise NotFound(f"no partner has the id {partner_id!r}", code="unknown_partner")
    return _partner_view(found)


def citizen_problems(*, name: str, phone: str, id_number: str, region: str) -> list[str]:
    """Every problem with a new citizen's name and identifiers, each naming its field."""
    problems = []
    if not name.strip():
        problems.append("name: must not be empty")
    if problem := identity.phone_problem(phone):
        problems.append(f"phone: {problem}")
    if problem := identity.id_number_problem(id_number):
        problems.append(f"id_number: {problem}")
    if not _REGION.match(region):
        problems.append("region: must be a 6-digit administrative division code")
    return problems


def citizen_row(
    keys: Keys,
    *,
    name: str,
    phone: str,
    id_number: str,
    region: str,
    now: datetime,
    password_hash: str | None = None,
) -> dict[str, Any]:
    """A new citizen's row: personal data only encrypted or keyed-hashed. Raises InvalidInput
    listing every problem with the identifiers."""
    problems = citizen_problems(name=name, phone=phone, id_number=id_number, region=region)
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_citizen")
    phone = identity.normalise_phone(phone)
    id_number = identity.normalise_id_number(id_number)
    return {
        "id": ulid(now),
        "name_enc": protection.encrypt(keys.data_key, name.strip(), "name"),
        "phone_enc": protection.encrypt(keys.data_key, phone, "phone"),
        "phone_hash": protection.keyed_hash(keys.hash_key, "phone", phone),
        "id_number_hash": protection.keyed_hash(keys.hash_key, "id_number", id_number),
        "birth_date": identity.birth_date(id_number),
        "pseudonym_key": protection.new_pseudonym_key(),
        "password_hash": password_hash,
        "region": region,
        "status": "active",
        "created_at": now,
    }


def add_citizen(
    conn: Connection,
    keys: Keys,
    *,
    name: str,
    phone: str,
    id_number: str,
    region: str,
    now: datetime,
    password_hash: str | None = None,
) -> str:
    """Register a citizen and open their points account; return the new id."""
    row = citizen_row(
        keys,
        name=name,
        phone=phone,
        id_number=id_number,
        region=region,
        now=now,
        password_hash=password_hash,
    )
    if repo.citizen_by_hash(conn, "id_number_hash", row["id_number_hash"]):
        raise Conflict("a citizen with this ID number is registered already", code="citizen_exists")
    if repo.citizen_by_hash(conn, "phone_hash", row["phone_hash"]):
        raise Conflict("this phone number is registered already", code="phone_taken")
    repo.insert_citizens(conn, [row])
    open_citizen_account(conn, row["id"], now)
    return str(row["id"])


def create_link_code(
    conn: Connection, keys: Keys, citizen_id: str, partner_id: str, now: datetime, minutes: int
) -> str:
    """A one-time code the citizen gives to the partner's app to link their account there."""
    citizen = repo.citizen(conn, citizen_id)
    if citizen is None or citizen.status != "active":
        raise NotFound(f"no active citizen has the id {citizen_id!r}", code="unknown_citizen")
    partner = repo.partner(conn, partner_id)
    if partner is None or partner.role == "merchant":
        raise NotFound(f"no data partner has the id {partner_id!r}", code="unknown_partner")
    while True:
        code = random_code(_LINK_CODE_LENGTH)
        row = {
            "code": link_code_digest(keys, code),
            "citizen_id": citizen_id,
            "partner_id": partner_id,
            "expires_at": now + timedelta(minutes=minutes),
        }
        if repo.insert_link_code(conn, row):
            return code


def link_code_digest(keys: Keys, code: str) -> str:
    """What is stored of a link code, which acts as a bearer secret for ten minutes: a keyed hash
    (hex), so a copy of the database or a backup holds no code, nor a way to try every code."""
    return protection.keyed_digest(keys.hash_key, "link_code", code.strip().upper()).hex()


def citizen_links(conn: Connection, citizen_id: str) -> list[dict[str, Any]]:
    """The partners a citizen has linked, with the partner's id for their account there."""
    return [
        {
            "partner": row.partner_id,
            "name": row.name,
            "user": row.partner_user,
            "linked_at": row.linked_at,
        }
        for row in repo.links_of_citizen(conn, citizen_id)
    ]


def data_partners(conn: Connection) -> list[dict[str, str]]:
    """The partners a citizen may link: active, sending records."""
    return [{"partner": row.id, "name": row.name} for row in repo.data_partners(conn)]


def offer_link_code(
    conn: Connection, keys: Keys, citizen_id: str, partner_id: str, now: datetime, minutes: int
) -> dict[str, Any]:
    """A new link code for the citizen app: the code, its partner and when it expires."""
    return {
        "code": create_link_code(conn, keys, citizen_id, partner_id, now, minutes),
        "partner": partner_id,
        "expires_at": now + timedelta(minutes=minutes),
    }


def link(conn: Connection, keys: Keys, partner_id: str, user: str, code: str, now: datetime) -> str:
    """Link the partner's `user` to the citizen who made `code`; return the citizen id."""
    found = repo.link_code(conn, link_code_digest(keys, code))
    if found is None or found.used_at is not None:
        raise NotFound(
            "this link code is unknown or used; ask the citizen for a new one", code="unknown_code"
        )
    if found.expires_at < now:
        raise Gone("this link code has expired; codes are valid 10 minutes", code="code_expired")
    if found.partner_id != partner_id:
        raise Conflict("this link code was made for another partner", code="code_for_other_partner")
    existing = repo.link_of_user(conn, partner_id, user)
    if existing is not None and existing.citizen_id != found.citizen_id:
        raise Conflict(
            "this user is linked to another citizen; unlink it first",
            code="user_linked_to_other_citizen",
        )
    if not repo.use_link_code(conn, found.code, now):
        raise NotFound("this link code is unknown or used", code="unknown_code")
    # A citizen has one account per partner: a new link replaces an older one.
    repo.delete_links(conn, partner_id, citizen_id=found.citizen_id)
    repo.insert_links(
        conn,
        [
            {
                "partner_id": partner_id,
                "partner_user": user,
                "citizen_id": found.citizen_id,
                "linked_at": now,
            }
        ],
    )
    return str(found.citizen_id)


def unlink(conn: Connection, partner_id: str, user: str) -> None:
    if not repo.delete_links(conn, partner_id, user=user):
        raise NotFound(f"the user {user!r} is not linked", code="not_linked")


def unlink_citizen(conn: Connection, partner_id: str, citizen_id: str) -> None:
    if not repo.delete_links(conn, partner_id, citizen_id=citizen_id):
        raise NotFound("this partner is not linked", code="not_linked")


def delete_citizen(conn: Connection, citizen_id: str, now: datetime) -> None:
    """Delete a citizen's personal data and destroy their pseudonym key, so the log's leaves can
    no longer be tied to them; their links end. Credits stay in the log and the ledgers."""
    citizen = repo.citizen(conn, citizen_id)
    if citizen is None or citizen.status != "active":
        raise NotFound(f"no active citizen has the id {citizen_id!r}", code="unknown_citizen")
    repo.delete_all_links(conn, citizen_id)
    repo.delete_sessions_of(conn, "citizen", citizen_id)
    repo.set_citizen(
        conn,
        citizen_id,
        status="deleted",
        deleted_at=now,
        name_enc=None,
        phone_enc=None,
        phone_hash=None,
        id_number_hash=None,
        birth_date=None,
        pseudonym_key=None,
        password_hash=None,
    )
