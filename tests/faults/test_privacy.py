"""No personal data in public (DESIGN.md invariant 7) and no secret in the server's output: a
citizen registers over HTTP, a partner links them under its own user id and reports trips, a
login fails; then the checkpoint, every tile and entry bundle, every log entry and the dashboard
figures are fetched as the public would, and the server's own output is read. None of them holds
the name, phone, ID number or partner user id, and the output holds no key."""

from __future__ import annotations

import base64
import time
from datetime import timedelta
from pathlib import Path

import httpx

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from carbonledger.translog import tiles
from tests import factories
from tests.factories import record
from tests.faults.harness import Server

NAME = "欧阳秀英"
USER = "wx-openid-5521987"


def _public(url: str, size: int) -> list[bytes]:
    """Everything the public log and dashboard serve for a tree of `size` leaves."""
    bodies = []
    with httpx.Client(base_url=url, timeout=10) as http:
        for path in ("/log/checkpoint", "/log/key", "/api/v1/dashboard", "/api/v1/scenarios"):
            bodies.append(http.get(path).content)
        width = size % tiles.TILE_WIDTH or tiles.TILE_WIDTH
        suffix = "000" if size == tiles.TILE_WIDTH else f"000.p/{width}"
        for path in (f"/log/tile/0/{suffix}", f"/log/tile/entries/{suffix}"):
            answer = http.get(path)
            assert answer.status_code == 200, path
            bodies.append(answer.content)
        for index in range(size):
            bodies.append(http.get(f"/api/v1/log/entries/{index}").content)
    return bodies


def test_no_personal_data_in_public_and_no_secret_in_the_output(
    sqlite_platform: Platform, tmp_path: Path
) -> None:
    platform = sqlite_platform
    partner = factories.add_partner(platform)
    serial = factories.next_serial()
    phone, id_number = factories.phone(serial), factories.id_number(serial)
    output = tmp_path / "server.log"
    server = Server(platform.settings.data_dir, {}, output=output)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            registered = http.post(
                "/api/v1/citizens",
                json={
                    "name": NAME,
                    "phone": phone,
                    "id_number": id_number,
                    "password": factories.PASSWORD,
                },
            )
            assert registered.status_code == 201, registered.text
            wrong = http.post(
                "/api/v1/session/citizen", json={"phone": phone, "password": "wrong-pass-1"}
            )
            assert wrong.status_code == 401
        with db.write(platform.engine) as conn:
            code = accounts.create_link_code(
                conn, platform.keys, registered.json()["subject"], partner.id, clock.now(), 10
            )
        with PartnerClient(server.url, partner.id, partner.key) as client:
            assert client.link(USER, code).status_code == 201
            start = clock.now() - timedelta(hours=3)
            trips = [
                record("cycling", user=USER, start=start + timedelta(minutes=40 * n))
                for n in range(3)
            ]
            assert client.submit(trips).json()["summary"]["accepted"] == 3
        deadline = time.monotonic() + 30
        while b"\n3\n" not in httpx.get(f"{server.url}/log/checkpoint").content:
            assert time.monotonic() < deadline, "no checkpoint of the three credits"
            time.sleep(0.1)
        served = _public(server.url, 3)
    finally:
        server.stop()

    secrets = [phone, id_number, USER, NAME]
    for body in served:
        for secret in secrets:
            assert secret.encode() not in body
    logged = output.read_bytes()
    for secret in secrets:
        assert secret.encode() not in logged
    for key in platform.settings.secrets_dir.glob("*.key"):
        material = key.read_bytes()
        for form in (material, material.hex().encode(), base64.b64encode(material)):
            assert form not in logged
