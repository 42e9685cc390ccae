"""SQL for partners, citizens, links, link codes and nonces."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection, Row

from carbonledger.accounts.tables import (
    citizens,
    link_codes,
    links,
    login_failures,
    nonces,
    operators,
    partners,
    portal_keys,
    retired_keys,
    sessions,
)
from carbonledger.db import insert_if_new, insert_rows, select_in


def partner(conn: Connection, partner_id: str) -> Row[Any] | None:
    return conn.execute(select(partners).where(partners.c.id == partner_id)).first()


def all_partners(conn: Connection) -> list[Row[Any]]:
    query = select(partners).order_by(partners.c.created_at.desc(), partners.c.id)
    return list(conn.execute(query))


def partner_names(conn: Connection) -> dict[str, str]:
    return {row.id: row.name for row in conn.execute(select(partners.c.id, partners.c.name))}


def insert_partner(conn: Connection, row: dict[str, Any]) -> bool:
    return insert_if_new(conn, partners, row)


def set_partner(conn: Connection, partner_id: str, **values: Any) -> bool:
    result = conn.execute(update(partners).where(partners.c.id == partner_id).values(**values))
    return result.rowcount == 1


def remember_nonce(conn: Connection, partner_id: str, nonce: str, now: datetime) -> bool:
    """Record a nonce; False when this partner used it before (a replay)."""
    row = {"partner_id": partner_id, "nonce": nonce, "seen_at": now}
    return insert_if_new(conn, nonces, row)


def forget_nonces_before(conn: Connection, before: datetime) -> None:
    conn.execute(delete(nonces).where(nonces.c.seen_at < before))


def insert_citizens(conn: Connection, rows: list[dict[str, Any]]) -> None:
    insert_rows(conn, citizens, rows)


def citizen(conn: Connection, citizen_id: str) -> Row[Any] | None:
    return conn.execute(select(citizens).where(citizens.c.id == citizen_id)).first()


def citizen_by_hash(conn: Connection, column: str, value: bytes) -> Row[Any] | None:
    return conn.execute(select(citizens).where(citizens.c[column] == value)).first()


def set_citizen(conn: Connection, citizen_id: str, **values: Any) -> None:
    conn.execute(update(citizens).where(citizens.c.id == citizen_id).values(**values))


def insert_link_code(conn: Connection, row: dict[str, Any]) -> bool:
    return insert_if_new(conn, link_codes, row)


def link_code(conn: Connection, code: str) -> Row[Any] | None:
    return conn.execute(select(link_codes).where(link_codes.c.code == code)).first()


def use_link_code(conn: Connection, code: str, now: datetime) -> bool:
    """Mark a code used; False when another request used it first."""
    result = conn.execute(
        update(link_codes)
        .where(link_codes.c.code == code, link_codes.c.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


def link_of_user(conn: Connection, partner_id: str, user: str) -> Row[Any] | None:
    return conn.execute(
        select(links).where(links.c.partner_id == partner_id, links.c.partner_user == user)
    ).first()


def delete_links(
    conn: Connection, partner_id: str, *, user: str | None = None, citizen_id: str | None = None
) -> int:
    condition = links.c.partner_id == partner_id
    if user is not None:
        condition &= links.c.partner_user == user
    if citizen_id is not None:
        condition &= links.c.citizen_id == citizen_id
    return conn.execute(delete(links).where(condition)).rowcount


def delete_all_links(conn: Connection, citizen_id: str) -> None:
    conn.execute(delete(links).where(links.c.citizen_id == citizen_id))
    conn.execute(delete(link_codes).where(link_codes.c.citizen_id == citizen_id))


def links_of_citizen(conn: Connection, citizen_id: str) -> list[Row[Any]]:
    """(partner id, partner name, partner user, linked at) of a citizen's links, oldest first."""
    return list(
        conn.execute(
            select(links.c.partner_id, partners.c.name, links.c.partner_user, links.c.linked_at)
            .join(partners, partners.c.id == links.c.partner_id)
            .where(links.c.citizen_id == citizen_id)
            .order_by(links.c.linked_at, links.c.partner_id)
        )
    )


def data_partners(conn: Connection) -> list[Row[Any]]:
    """Active partners that send records (role data or both), by name."""
    return list(
        conn.execute(
            select(partners.c.id, partners.c.name)
            .where(partners.c.status == "active", partners.c.role.in_(("data", "both")))
            .order_by(partners.c.name, partners.c.id)
        )
    )


def insert_links(conn: Connection, rows: list[dict[str, Any]]) -> None:
    insert_rows(conn, links, rows)


def linked_citizens(
    conn: Connection, partner_id: str, users: Iterable[str]
) -> dict[str, tuple[str, bytes]]:
    """partner user → (citizen id, pseudonym key) for the linked, undeleted ones."""
    wanted = list(set(users))
    if not wanted:
        return {}
    # The hot path's read: each user and each citizen looked up by its key (db.select_in).
    linked = select_in(
        conn,
        links,
        ("partner_user", "citizen_id"),
        {"partner_user": wanted},
        {"partner_id": partner_id},
    )
    if not linked:
        return {}
    active = dict(
        select_in(
            conn,
            citizens,
            ("id", "pseudonym_key"),
            {"id": {citizen_id for _, citizen_id in linked}},
            {"status": "active"},
        )
    )
    return {
        user: (citizen_id, active[citizen_id])
        for user, citizen_id in linked
        if citizen_id in active
    }


def insert_operator(conn: Connection, row: dict[str, Any]) -> bool:
    return insert_if_new(conn, operators, row)


def operator(conn: Connection, operator_id: str) -> Row[Any] | None:
    return conn.execute(select(operators).where(operators.c.id == operator_id)).first()


def all_operators(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(operators).order_by(operators.c.id)))


def set_operator(conn: Connection, operator_id: str, **values: Any) -> bool:
    done = conn.execute(update(operators).where(operators.c.id == operator_id).values(**values))
    return bool(done.rowcount)


def insert_session(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(sessions.insert(), row)


def session(conn: Connection, token_hash: bytes) -> Row[Any] | None:
    return conn.execute(select(sessions).where(sessions.c.token_hash == token_hash)).first()


def delete_session(conn: Connection, token_hash: bytes) -> None:
    conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))


def delete_sessions_of(conn: Connection, kind: str, subject: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.kind == kind, sessions.c.subject == subject))


def delete_sessions_before(conn: Connection, now: datetime) -> None:
    conn.execute(delete(sessions).where(sessions.c.expires_at < now))


def login_failure(conn: Connection, key: str) -> Row[Any] | None:
    return conn.execute(select(login_failures).where(login_failures.c.key == key)).first()


def set_login_failure(conn: Connection, key: str, failures: int, last_at: datetime) -> None:
    conn.execute(delete(login_failures).where(login_failures.c.key == key))
    conn.execute(login_failures.insert(), {"key": key, "failures": failures, "last_at": last_at})


def clear_login_failures(conn: Connection, key: str) -> None:
    conn.execute(delete(login_failures).where(login_failures.c.key == key))


def portal_key_hash(conn: Connection, partner_id: str) -> str | None:
    found = conn.execute(
        select(portal_keys.c.key_hash).where(portal_keys.c.partner_id == partner_id)
    ).scalar()
    return None if found is None else str(found)


def set_portal_key(conn: Connection, partner_id: str, key_hash: str, now: datetime) -> None:
    conn.execute(delete(portal_keys).where(portal_keys.c.partner_id == partner_id))
    conn.execute(
        portal_keys.insert(), {"partner_id": partner_id, "key_hash": key_hash, "created_at": now}
    )


def key_holders(conn: Connection, public_key: bytes) -> set[str]:
    """The partners that hold or held this signing key."""
    held = select(partners.c.id).where(partners.c.public_key == public_key)
    retired = select(retired_keys.c.partner_id).where(retired_keys.c.public_key == public_key)
    return {str(row[0]) for row in conn.execute(held.union(retired))}


def retire_key(conn: Connection, partner_id: str, public_key: bytes, now: datetime) -> None:
    row = {"partner_id": partner_id, "public_key": public_key, "retired_at": now}
    insert_if_new(conn, retired_keys, row)


def retired_keys_of(conn: Connection, partner_id: str) -> list[Row[Any]]:
    """The partner's replaced signing keys, newest first."""
    return list(
        conn.execute(
            select(retired_keys)
            .where(retired_keys.c.partner_id == partner_id)
            .order_by(retired_keys.c.retired_at.desc())
        )
    )
