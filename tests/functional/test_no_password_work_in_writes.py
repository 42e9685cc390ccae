"""No password is hashed or checked while a write transaction is open: the engine's begin,
commit and rollback events mark each thread's open write transactions, and the password
functions note whether the thread that called them had one open (argon2 itself runs on the
password threads, whose calls are counted too). Every way to log in or register is driven over
real HTTP, with right and wrong secrets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import argon2
import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection

from carbonledger.accounts import passwords
from carbonledger.platform import Platform
from tests import factories

Served = tuple[Platform, str]


class Watch:
    """Which argon2 calls ran, and whether their thread was inside a write transaction."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.calls: list[tuple[str, bool]] = []
        self.argon2: list[str] = []
        self.writes = 0

    def depth(self) -> int:
        return int(getattr(self.local, "depth", 0))

    def begin(self, conn: Connection) -> None:
        if conn.get_execution_options().get("carbonledger_write"):
            self.local.depth = self.depth() + 1
            self.writes += 1

    def end(self, conn: Connection) -> None:
        if conn.get_execution_options().get("carbonledger_write"):
            self.local.depth = self.depth() - 1


@pytest.fixture
def watch(served: Served, monkeypatch: pytest.MonkeyPatch) -> Iterator[Watch]:
    platform, _ = served
    found = Watch()
    for name in ("begin", "commit", "rollback"):
        event.listen(platform.engine, name, found.begin if name == "begin" else found.end)
    for name in ("hash_password", "password_matches"):
        original = getattr(passwords, name)

        def spy(*args: Any, _name: str = name, _original: Any = original) -> Any:
            found.calls.append((_name, found.depth() > 0))
            return _original(*args)

        monkeypatch.setattr(passwords, name, spy)
    for name in ("hash", "verify"):
        argon2_original = getattr(argon2.PasswordHasher, name)

        def counted(
            self: Any, *args: Any, _name: str = name, _original: Any = argon2_original
        ) -> Any:
            found.argon2.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(argon2.PasswordHasher, name, counted)
    yield found
    event.remove(platform.engine, "begin", found.begin)
    event.remove(platform.engine, "commit", found.end)
    event.remove(platform.engine, "rollback", found.end)


def test_logins_and_registration_check_passwords_outside_write_transactions(
    served: Served, watch: Watch
) -> None:
    platform, url = served
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    operator_id = factories.add_operator(platform)
    partner = factories.add_partner(platform)
    key = factories.portal_key(platform, partner.id)
    watch.calls.clear()
    watch.argon2.clear()
    serial = factories.next_serial()
    registering = {
        "name": "张三",
        "id_number": factories.id_number(serial),
        "phone": factories.phone(serial),
        "password": factories.PASSWORD,
    }
    answers = [
        httpx.post(f"{url}/api/v1/citizens", json=registering),
        httpx.post(f"{url}/api/v1/citizens", json=registering),  # registered already
        httpx.post(f"{url}/api/v1/session/citizen", json={"phone": phone, "password": "x-1"}),
        httpx.post(
            f"{url}/api/v1/session/citizen", json={"phone": phone, "password": factories.PASSWORD}
        ),
        httpx.post(
            f"{url}/api/v1/session/operator",
            json={"operator": operator_id, "password": factories.PASSWORD},
        ),
        httpx.post(f"{url}/app/login", data={"phone": phone, "password": factories.PASSWORD}),
        httpx.post(
            f"{url}/console/login", data={"operator": operator_id, "password": factories.PASSWORD}
        ),
        httpx.post(f"{url}/portal/login", data={"partner": partner.id, "access_key": key}),
        httpx.post(f"{url}/portal/login", data={"partner": partner.id, "access_key": "guess"}),
    ]
    assert [answer.status_code for answer in answers] == [
        201,
        409,
        401,
        200,
        200,
        303,
        303,
        303,
        401,
    ]
    assert len(watch.calls) >= 9
    assert len(watch.argon2) >= len(watch.calls)
    assert watch.writes >= 9
    assert [call for call in watch.calls if call[1]] == []
