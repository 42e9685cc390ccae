"""No personal data in the logs (DESIGN.md invariant 7): a small demo city is built, served as
`carbonledger serve` with its log lines going to a file (JSON, as on a server), and used the way
people use it: a citizen registers with a name, phone and ID number and asks for a link code, a
partner links that user and sends records (one of them invalid), a login fails, a record is
looked up by its external id. Then the build's log output and every line the server wrote are
searched for names, phones, ID numbers, partner user ids, link codes, passwords and keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from sqlalchemy import select

from carbonledger import db
from carbonledger.accounts import sessions
from carbonledger.client import PartnerClient
from carbonledger.config import Settings
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from carbonledger.simulate import logins
from carbonledger.simulate.population import synthetic_name, synthetic_phone
from tests import factories
from tests.commands import run
from tests.faults.harness import Server

pytestmark = pytest.mark.slow
CITIZENS = 40
PHONE = re.compile(r"(?<![\w.])1[3-9]\d{9}(?!\w)")
ID_NUMBER = re.compile(r"(?<!\w)\d{17}[\dX](?!\w)")


def _partner_key(data_dir: Path, partner: str) -> Ed25519PrivateKey:
    key = load_pem_private_key((data_dir / "partners" / f"{partner}.pem").read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _use(url: str, data_dir: Path, secrets: list[str]) -> None:
    """What people do in a day, each with something personal in it."""
    saved = logins.load(data_dir)
    assert saved is not None
    partner = saved.data_partner
    name, phone, id_number = "欧阳明远", "13712340987", factories.id_number(987_654)
    password, user = "Privacy-check-2024", "rider-9fd31c"
    secrets += [name, phone, id_number, password, user]
    with httpx.Client(base_url=url, timeout=30) as citizen:
        body = {"name": name, "phone": phone, "id_number": id_number, "password": password}
        registered = citizen.post("/api/v1/citizens", json=body)
        assert registered.status_code == 201, registered.text
        citizen.headers[sessions.CSRF_HEADER] = registered.json()["csrf"]
        again = citizen.post("/api/v1/citizens", json=body | {"id_number": "110101"})
        assert again.status_code in (400, 409)
        offer = citizen.post("/api/v1/me/link-codes", json={"partner": partner})
        assert offer.status_code == 201, offer.text
        code = offer.json()["code"]
        secrets.append(code)
        assert citizen.get("/app").status_code == 200
    wrong = httpx.post(
        f"{url}/api/v1/session/citizen", json={"phone": phone, "password": "not-it-1A"}
    )
    assert wrong.status_code in (400, 401, 429)
    with PartnerClient(url, partner, _partner_key(data_dir, partner), timeout=30) as client:
        assert client.link(user, code).status_code == 201
        invalid = factories.record(user=user, external_id="ext-private-1", quantity=-3)
        answer = client.submit([factories.record(user=user), invalid])
        assert answer.status_code == 200
        assert client.request("GET", "/api/v1/records/ext-private-1").status_code == 200
        assert client.request("GET", f"/api/v1/records/{user}-x").status_code == 404
    secrets.append("ext-private-1")


def test_no_personal_data_reaches_the_logs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    built = run(data_dir, "demo", "--citizens", str(CITIZENS), "--days", "2", "--build-only")
    assert built.returncode == 0, built.stderr
    output = tmp_path / "server.log"
    server = Server(data_dir, {"CARBONLEDGER_CHECKPOINT_INTERVAL_SECONDS": "0.2"}, output=output)
    secrets: list[str] = []
    server.start()
    try:
        _use(server.url, data_dir, secrets)
    finally:
        server.stop()

    saved = logins.load(data_dir)
    assert saved is not None
    secrets += [saved.citizen_password, saved.operator_password]
    secrets += [saved.data_partner_key, saved.merchant_key]
    secrets += [synthetic_name(n) for n in range(CITIZENS)]
    secrets += [synthetic_phone(n) for n in range(CITIZENS)]
    platform = Platform.open(Settings(data_dir=data_dir), upgrade=False)
    with db.read(platform.engine) as conn:
        secrets += [
            u for u in conn.execute(select(records.c.partner_user).distinct()).scalars() if u
        ]
    platform.close()
    served = output.read_text()
    lines = [json.loads(line) for line in served.splitlines() if line.startswith("{")]
    assert any(line.get("route") == "/api/v1/records" for line in lines)
    assert any(line.get("job") == "duties" for line in lines)
    for text in (built.stderr, served):
        found = [secret for secret in secrets if secret in text]
        assert not found, found[:5]
        assert not PHONE.search(text), PHONE.search(text)
        assert not ID_NUMBER.search(text), ID_NUMBER.search(text)
