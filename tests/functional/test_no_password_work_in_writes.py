"""No password is hashed or checked while a write transaction is open: the engine's begin,
commit and rollback events mark each thread's open write transactions, and the password
functions note whether the thread that called them had one open (argon2 itself runs on the
password threads, whose calls are counted too). Every way to log in or register is driven over
real HTTP, with right and wrong secrets."""

from __future__ import annotations

from collections.abc import Iterator

import argon2
import httpx
import pytest

from carbonledger.accounts import passwords
from carbonledger.platform import Platform
from tests import factories
from tests.write_watch import WriteWatch

Served = tuple[Platform, str]


@pytest.fixture
def watch(served: Served, monkeypatch: pytest.MonkeyPatch) -> Iterator[WriteWatch]:
    """The password functions and argon2's hash and verify, each call noting whether a write
    transaction was open on its thread."""
    platform, _ = served
    found = WriteWatch()
    for name in ("hash_password", "password_matches"):
        found.wrap(monkeypatch, passwords, name)
    for name in ("hash", "verify"):
        found.wrap(monkeypatch, argon2.PasswordHasher, name)
    with found.on(platform.engine):
        yield found


def test_logins_and_registration_check_passwords_outside_write_transactions(
    served: Served, watch: WriteWatch
) -> None:
    platform, url = served
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    operator_id = factories.add_operator(platform)
    partner = factories.add_partner(platform)
    key = factories.portal_key(platform, partner.id)
    watch.forget()
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
    checks = watch.calls["hash_password"] + watch.calls["password_matches"]
    argon2_calls = watch.calls["hash"] + watch.calls["verify"]
    assert len(checks) >= 9
    assert len(argon2_calls) >= len(checks)
    assert watch.writes >= 9
    assert [inside for inside in checks + argon2_calls if inside] == []
