"""Findings of an outside review, each replayed over real HTTP exactly as it was made, with the
answer the platform now gives: a refusal that says what to fix, and nothing written."""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
import re
import socket
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import argon2
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from openpyxl import load_workbook
from sqlalchemy import func, make_url, select, update

from carbonledger import backup, clock, db
from carbonledger.accounts import repository as accounts_repo
from carbonledger.accounts import service as accounts
from carbonledger.accounts.tables import citizens
from carbonledger.client import PartnerClient, new_nonce
from carbonledger.config import Settings
from carbonledger.errors import Conflict, NotFound
from carbonledger.ingest import signing
from carbonledger.ledgers import service as ledgers
from carbonledger.platform import Platform
from carbonledger.points.reconcile import reconcile
from carbonledger.rewards.tables import rewards
from tests import factories
from tests.served import serve

Served = tuple[Platform, str]
FAR_FUTURE = "9999-12-31T23:59:59+00:00"


def _count(platform: Platform, table: Any) -> int:
    with db.read(platform.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_reward_valid_until_year_9999_is_refused_and_pages_survive_stored_ones(
    served: Served, merchant: PartnerClient
) -> None:
    platform, url = served
    reward = {
        "kind": "metro_topup",
        "name_zh": "地铁充值 5 元",
        "name_en": "Metro top-up",
        "price": 500,
        "stock": 2,
        "valid_until": FAR_FUTURE,
    }
    before = _count(platform, rewards)
    answer = merchant.request("POST", "/api/v1/merchant/rewards", reward)
    assert answer.status_code == 400, answer.text
    assert "2100" in answer.text
    huge = merchant.request("POST", "/api/v1/merchant/rewards", {**reward, "stock": 10**19})
    assert huge.status_code == 400, huge.text
    assert _count(platform, rewards) == before
    # A reward stored before the bound existed still shows on every page that lists it.
    listed = factories.add_reward(platform, merchant.partner_id)
    with db.write(platform.engine) as conn:
        far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
        conn.execute(update(rewards).where(rewards.c.id == listed).values(valid_until=far))
    _citizen, citizen = factories.citizen_client(url, platform)
    with citizen, factories.operator_client(url, platform) as operator:
        assert citizen.get("/app/rewards").status_code == 200
        assert citizen.get("/api/v1/rewards").status_code == 200
        assert operator.get("/console/rewards").status_code == 200
    with factories.portal_client(url, platform, merchant.partner_id) as portal:
        page = portal.get("/portal/rewards")
        assert page.status_code == 200
        assert "9999-12-31 23:59 UTC" in page.text


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/app/donations", {"project": "p", "units": "²", "key": "k"}),
        ("/app/donations", {"project": "p", "units": "9" * 30, "key": "k"}),
    ],
)
def test_odd_digits_in_a_form_are_refused_not_a_server_error(
    served: Served, path: str, form: dict[str, str]
) -> None:
    platform, url = served
    _citizen, citizen = factories.citizen_client(url, platform)
    with citizen:
        page = citizen.get(path)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        answer = citizen.post(path, data={**form, "csrf_token": csrf})
        assert answer.status_code == 400, answer.text


def test_a_review_page_number_in_other_digits_is_page_one(served: Served) -> None:
    platform, url = served
    with factories.operator_client(url, platform) as operator:
        assert operator.get("/console/review", params={"page": "²"}).status_code == 200


def _from(address: str, url: str) -> httpx.Client:
    """A client whose connections come from another loopback address."""
    return httpx.Client(
        base_url=url, timeout=30, transport=httpx.HTTPTransport(local_address=address)
    )


@pytest.mark.parametrize(
    ("path", "login"),
    [("/api/v1/session/citizen", "phone"), ("/api/v1/session/operator", "operator")],
)
def test_five_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(
    served: Served, path: str, login: str
) -> None:
    platform, url = served
    if login == "phone":
        who = factories.new_citizen(platform, factories.PASSWORD)[1]
    else:
        who = factories.add_operator(platform)
    with _from("127.0.0.2", url) as attacker:
        for _ in range(6):
            guess = attacker.post(path, json={login: who, "password": "guess-123"})
            assert guess.status_code in (401, 429)
        slowed = attacker.post(path, json={login: who, "password": factories.PASSWORD})
        assert slowed.status_code == 429
        assert 0 < int(slowed.headers["Retry-After"]) <= 900
    owner = httpx.post(f"{url}{path}", json={login: who, "password": factories.PASSWORD})
    assert owner.status_code == 200, owner.text


def test_an_unknown_phone_costs_a_password_check_like_a_known_one(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform, url = served
    _, known = factories.new_citizen(platform, factories.PASSWORD)
    checks: list[str] = []
    original = argon2.PasswordHasher.verify

    def counted(self: argon2.PasswordHasher, stored: str, password: str) -> bool:
        checks.append(stored)
        return original(self, stored, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counted)
    answers = [
        httpx.post(f"{url}/api/v1/session/citizen", json={"phone": phone, "password": "guess-1"})
        for phone in (known, factories.phone())
    ]
    assert [answer.status_code for answer in answers] == [401, 401]
    assert answers[0].json()["error"] == answers[1].json()["error"]
    assert len(checks) == 2
    assert all(stored.startswith("$argon2id$") for stored in checks)


def test_registration_does_not_tell_which_identifier_is_taken_and_is_throttled(
    served: Served,
) -> None:
    platform, url = served
    serial = factories.next_serial()
    first = {
        "name": "张三",
        "id_number": factories.id_number(serial),
        "phone": factories.phone(serial),
        "password": factories.PASSWORD,
    }
    with _from("127.0.0.3", url) as client:
        assert client.post("/api/v1/citizens", json=first).status_code == 201
        other = factories.next_serial()
        same_id = {**first, "phone": factories.phone(other)}
        same_phone = {**first, "id_number": factories.id_number(other)}
        errors = [client.post("/api/v1/citizens", json=body) for body in (same_id, same_phone)]
        assert [answer.status_code for answer in errors] == [409, 409]
        assert errors[0].json() == errors[1].json()
        assert errors[0].json()["error"]["code"] == "already_registered"
        answers = [client.post("/api/v1/citizens", json=same_id) for _ in range(20)]
        assert answers[-1].status_code == 429
    assert platform is not None


CROSS_SITE = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}


def test_a_login_posted_from_another_site_sets_no_session(served: Served) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    key = factories.portal_key(platform, partner.id)
    _citizen, citizen = factories.citizen_client(url, platform)
    with citizen:
        before = citizen.cookies.get("cl_session")
        forged = citizen.post(
            "/portal/login", data={"partner": partner.id, "access_key": key}, headers=CROSS_SITE
        )
        assert forged.status_code == 403
        assert "set-cookie" not in forged.headers
        assert citizen.cookies.get("cl_session") == before
        assert citizen.get("/api/v1/session").json()["kind"] == "citizen"
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    operator_id = factories.add_operator(platform)
    for path, body in (
        ("/api/v1/session/citizen", {"phone": phone, "password": factories.PASSWORD}),
        ("/api/v1/session/operator", {"operator": operator_id, "password": factories.PASSWORD}),
    ):
        answer = httpx.post(f"{url}{path}", json=body, headers=CROSS_SITE)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "csrf_failed"
        assert "set-cookie" not in answer.headers
    # From the site's own pages the same posts log in.
    own = {"Origin": url, "Sec-Fetch-Site": "same-origin"}
    same = httpx.post(
        f"{url}/portal/login", data={"partner": partner.id, "access_key": key}, headers=own
    )
    assert same.status_code == 303


def _signed_headers(
    key: Any, partner_id: str, body: bytes, *, sent_as: str, version: int | None
) -> dict[str, str]:
    timestamp, nonce = int(time.time()), new_nonce()
    bound = partner_id if version == 2 else None
    headers = {
        "X-Partner-Id": sent_as,
        "X-Timestamp": str(timestamp),
        "X-Nonce": nonce,
        "X-Signature": signing.sign(key, "POST", "/api/v1/records", timestamp, nonce, body, bound),
        "Content-Type": "application/json",
    }
    if version is not None:
        headers[signing.VERSION_HEADER] = str(version)
    return headers


def test_a_partner_cannot_take_anothers_key_nor_pass_off_its_requests(served: Served) -> None:
    platform, url = served
    victim = factories.add_partner(platform)
    attacker = factories.add_partner(platform)
    victims_key = signing.public_key_b64(victim.key)
    with factories.portal_client(url, platform, attacker.id) as staff:
        page = staff.get("/portal/keys")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        taken = staff.post(
            "/portal/keys/signing", data={"public_key": victims_key, "csrf_token": csrf}
        )
    assert taken.status_code == 409, taken.text
    with db.read(platform.engine) as conn:
        held = accounts_repo.partner(conn, attacker.id)
    assert held is not None and bytes(held.public_key) != base64.b64decode(victims_key)
    with pytest.raises(Conflict):
        factories.add_partner_with_key(platform, victim.key)
    body = b'{"records": []}'
    for version in (None, 1, 2):
        resent = httpx.post(
            f"{url}/api/v1/records",
            content=body,
            headers=_signed_headers(
                victim.key, victim.id, body, sent_as=attacker.id, version=version
            ),
        )
        assert resent.status_code == 401, resent.text
        assert resent.json()["error"]["code"] == "bad_signature"


def _signed_post(client: PartnerClient, path: str, body: bytes) -> httpx.Response:
    return client.http.post(path, content=body, headers=client.headers("POST", path, body))


def test_a_lone_surrogate_refuses_its_record_not_the_batch(
    served: Served, partner: tuple[factories.MadePartner, PartnerClient]
) -> None:
    platform, url = served
    made, client = partner
    citizen = factories.add_citizen(platform)
    factories.link(platform, made.id, "u-1", citizen)
    good = [factories.record(start=clock.now() - timedelta(hours=h)) for h in (2, 4)]
    text = json.dumps({"records": [good[0], {**good[1], "external_id": "SURROGATE"}]})
    # The escape is written into the JSON text itself, as the reviewer sent it.
    body = text.replace("SURROGATE", "t-\\ud800").encode()
    answer = _signed_post(client, "/api/v1/records", body)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [result["status"] for result in results] == ["accepted", "rejected"]
    assert results[1]["errors"][0]["field"] == "external_id"
    user_body = text.replace('"u-1"', '"u-\\ud800"', 1).replace("SURROGATE", "t-2").encode()
    by_user = _signed_post(client, "/api/v1/records", user_body)
    assert by_user.status_code == 200, by_user.text
    assert by_user.json()["results"][0]["status"] == "rejected"
    link = _signed_post(client, "/api/v1/links", b'{"user": "u-\\ud800", "code": "ABCD2345"}')
    assert link.status_code == 400, link.text
    before = _count(platform, citizens)
    serial = factories.next_serial()
    fields = {
        "name": "NAME",
        "phone": factories.phone(serial),
        "id_number": factories.id_number(serial),
        "password": factories.PASSWORD,
    }
    registering = json.dumps(fields).replace("NAME", "\\ud800")
    registered = httpx.post(
        f"{url}/api/v1/citizens",
        content=registering.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert registered.status_code == 400, registered.text
    assert _count(platform, citizens) == before


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A platform that waits half a second for a request's body."""
    data_dir = tmp_path_factory.mktemp("impatient") / "data"
    platform = Platform.open(Settings(data_dir=data_dir, body_timeout_seconds=0.5))
    with serve(platform) as url:
        yield url
    platform.close()


def _stalled(url: str, count: int) -> list[socket.socket]:
    """`count` uploads that announce 1,000 bytes and send 10."""
    host, port = url.removeprefix("http://").split(":")
    opened = []
    for _ in range(count):
        conn = socket.create_connection((host, int(port)), timeout=10)
        conn.sendall(
            b"POST /api/v1/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n" + b'{"records"'
        )
        opened.append(conn)
    return opened


def test_stalled_uploads_are_let_go_and_logged_in_one_line(
    impatient: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    waiting = _stalled(impatient, 40)
    for conn in waiting:
        with conn:
            answer = conn.recv(4096)
            assert answer.startswith(b"HTTP/1.1 408"), answer
            assert b"body_timeout" in answer
    for conn in _stalled(impatient, 40):
        conn.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [r for r in caplog.records if r.name == "carbonledger.bodies"]
        if len(lines) >= 80:
            break
        time.sleep(0.05)
    assert len(lines) == 80
    assert all(record.exc_info is None and "\n" not in record.getMessage() for record in lines)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    # The server still answers.
    assert httpx.get(f"{impatient}/api/v1/scenarios").status_code == 200


def test_database_and_backup_files_are_private_and_hold_no_link_code(
    served: Served, tmp_path: Path
) -> None:
    platform, _url = served
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    now = clock.now()
    with db.write(platform.engine) as conn:
        code = accounts.create_link_code(conn, platform.keys, citizen, partner.id, now, 10)
    database = Path(str(make_url(platform.settings.url).database))
    files = [database, *(Path(f"{database}{suffix}") for suffix in ("-wal", "-shm"))]
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files if path.exists())
    assert all(code.encode() not in path.read_bytes() for path in files if path.exists())
    target = tmp_path / "backup"
    backup.backup(platform.settings, platform.engine, target, clock.now())
    copied = target / "database.sqlite"
    assert stat.S_IMODE(copied.stat().st_mode) == 0o600
    assert code.encode() not in copied.read_bytes()
    # The code still links, once.
    with db.write(platform.engine) as conn:
        assert accounts.link(conn, platform.keys, partner.id, "rider-1", code, now) == citizen
    with db.write(platform.engine) as conn, pytest.raises(NotFound):
        accounts.link(conn, platform.keys, partner.id, "rider-2", code, now)


@pytest.fixture
def own(tmp_path: Path) -> Iterator[Served]:
    """A served platform of the test's own, for data the shared one's reconciliation would not
    expect (points granted outside the pipeline)."""
    platform = Platform.open(Settings(data_dir=tmp_path / "data"))
    with serve(platform) as url:
        yield platform, url
    platform.close()


def _code_on(page: httpx.Response) -> str:
    found = re.search(r'class="voucher-code"[^>]*>([0-9A-Z]{12})<', page.text)
    assert found is not None, page.text
    return found.group(1)


def test_the_database_holds_no_voucher_code_yet_citizen_and_merchant_still_use_it(
    own: Served, tmp_path: Path
) -> None:
    platform, url = own
    merchant = factories.add_partner(platform, role="merchant").id
    reward = factories.add_reward(platform, merchant, name_zh="咖啡一杯")
    citizen, client = factories.citizen_client(url, platform)
    factories.grant_points(platform, citizen, 100)
    factories.won_prize(platform, merchant, citizen)
    with client:
        body = {"reward": reward, "idempotency_key": "k-1"}
        voucher = client.post("/api/v1/me/redemptions", json=body).json()["voucher"]
        # The citizen's own pages still show both codes.
        assert _code_on(client.get("/app/rewards")) == voucher
        prize = _code_on(client.get("/app/lotteries"))
    database = Path(str(make_url(platform.settings.url).database))
    files = [database, *(Path(f"{database}{suffix}") for suffix in ("-wal", "-shm"))]
    backup.backup(platform.settings, platform.engine, tmp_path / "backup", clock.now())
    files.append(tmp_path / "backup" / "database.sqlite")
    for path in (path for path in files if path.exists()):
        stored = path.read_bytes()
        assert voucher.encode() not in stored and prize.encode() not in stored, path
    with factories.portal_client(url, platform, merchant) as staff:
        near_miss = voucher[:-1] + ("1" if voucher.endswith("0") else "0")
        wrong = staff.get("/portal/vouchers", params={"code": near_miss})
        for code in (voucher.lower(), prize):
            found = staff.get("/portal/vouchers", params={"code": code})
            csrf = found.text.split('name="csrf_token" value="')[1].split('"')[0]
            form = {"code": code, "csrf_token": csrf}
            confirmed = staff.post("/portal/vouchers/confirm", data=form)
            assert 'id="voucher-state">已核销<' in confirmed.text
    assert wrong.status_code == 404
    assert "没有这张券，或它不是贵方奖励的券。" in wrong.text


FORMULA = '=HYPERLINK("http://evil.example/","open me")'


def test_a_partner_named_like_a_formula_stays_text_in_every_report_file(served: Served) -> None:
    platform, url = served
    key = Ed25519PrivateKey.generate()
    partner_id = f"formula-{factories.next_serial()}"
    with db.write(platform.engine) as conn:
        accounts.add_partner(
            conn, partner_id, FORMULA, signing.public_key_b64(key), "data", clock.now()
        )
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner_id, "u-1", citizen)
    with PartnerClient(url, partner_id, key) as client:
        answer = client.submit([factories.record(start=clock.now() - timedelta(minutes=90))])
    assert answer.json()["summary"]["accepted"] == 1
    month = ledgers.today_in(platform.settings.zone, clock.now()).strftime("%Y-%m")
    with factories.operator_client(url, platform, roles=("reports",)) as operator:
        files = {
            kind: operator.get(
                "/api/v1/admin/reports/monthly", params={"month": month, "format": kind}
            )
            for kind in ("xlsx", "csv")
        }
    assert all(answer.status_code == 200 for answer in files.values())
    book = load_workbook(io.BytesIO(files["xlsx"].content))
    named = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value]
    found = [cell for cell in named if FORMULA in str(cell.value)]
    assert found
    assert all(cell.data_type == "s" for cell in found)
    assert not [cell for cell in named if cell.data_type == "f"]
    rows = list(csv.reader(io.StringIO(files["csv"].content.decode("utf-8-sig"))))
    labels = [value for row in rows for value in row if FORMULA in value]
    assert labels
    assert all(value == "'" + FORMULA for value in labels)


@pytest.mark.parametrize("password", ["password1", "aaaaaaa1", " " * 8])
def test_weak_passwords_are_refused_at_registration(served: Served, password: str) -> None:
    platform, url = served
    serial = factories.next_serial()
    before = _count(platform, citizens)
    answer = httpx.post(
        f"{url}/api/v1/citizens",
        json={
            "name": "张三",
            "phone": factories.phone(serial),
            "id_number": factories.id_number(serial),
            "password": password,
        },
    )
    assert answer.status_code == 400, answer.text
    assert "password" in answer.json()["error"]["message"]
    assert _count(platform, citizens) == before


def test_three_hundred_wrong_attendance_codes_are_throttled(served: Served) -> None:
    platform, url = served
    citizen, client = factories.citizen_client(url, platform)
    event, _code = factories.started_event(platform, citizen)
    path = f"/api/v1/me/events/{event}/attendance"
    with client:
        started = time.monotonic()
        answers = [client.post(path, json={"code": f"G{n:07d}"}) for n in range(300)]
        took = time.monotonic() - started
        page = client.get("/app/activities")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"event": event, "code": "WRONG123", "csrf_token": csrf}
        forms = [client.post("/app/activities/attend", data=form) for _ in range(10)]
    statuses = [answer.status_code for answer in answers]
    # A burst of 5, then one every 2 s.
    assert statuses.count(403) <= 5 + took / 2 + 1
    assert set(statuses) == {403, 429}
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert 429 in [answer.status_code for answer in forms]


def test_what_a_reversal_cannot_take_back_is_owed_and_recovered(
    served: Served, partner: tuple[factories.MadePartner, PartnerClient]
) -> None:
    platform, url = served
    made, client = partner
    citizen, app = factories.citizen_client(url, platform)
    factories.link(platform, made.id, "spender", citizen)
    first = client.submit([factories.record(user="spender", quantity=8.0)]).json()["results"][0]
    earned = first["points"]
    assert first["status"] == "accepted" and earned > 1
    merchant = factories.add_partner(platform, role="merchant").id
    reward = factories.add_reward(platform, merchant, price=earned - 1)
    with app:
        spent = app.post(
            "/api/v1/me/redemptions", json={"reward": reward, "idempotency_key": "spend-1"}
        )
        assert spent.status_code == 201, spent.text
        with factories.operator_client(url, platform, roles=("reviewer",)) as operator:
            reversed_ = operator.post(
                f"/api/v1/admin/review/{first['record']}/reverse", json={"reason": "GPS drift"}
            )
        assert reversed_.status_code == 200, reversed_.text
        after_reversal = app.get("/api/v1/me/points").json()
        assert (after_reversal["balance"], after_reversal["owed"]) == (0, earned - 1)
        page = app.get("/app/points", params={"lang": "en"})
        assert f"{earned - 1} points are owed" in page.text
        later = factories.record(
            user="spender", quantity=8.0, start=clock.now() - timedelta(hours=3)
        )
        second = client.submit([later]).json()["results"][0]
        assert second["status"] == "accepted"
        recovered = app.get("/api/v1/me/points").json()
    assert recovered["owed"] == max(earned - 1 - second["points"], 0)
    assert recovered["balance"] == max(second["points"] - (earned - 1), 0)
    with db.read(platform.engine) as conn:
        checked = reconcile(conn)
    assert checked.ok, checked.problems
    assert checked.owed >= recovered["owed"]


PAGES = [
    "/",
    "/app",
    "/app/login",
    "/app/register",
    "/console/login",
    "/portal/login",
    "/dashboard",
    "/handbook",
    "/api/v1/scenarios",
    "/api/v1/nothing-here",
]


def test_every_page_carries_a_strict_content_security_policy(served: Served) -> None:
    _, url = served
    for path in PAGES:
        answer = httpx.get(f"{url}{path}")
        policy = answer.headers.get("content-security-policy", "")
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert directives["frame-ancestors"] == "'none'", path
        assert "unsafe-inline" not in policy, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"


def test_no_template_holds_an_inline_script_or_style() -> None:
    templates = Path(__file__).resolve().parents[2] / "src/carbonledger/web/templates"
    for template in templates.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
        assert "<style" not in text and " style=" not in text, template.name
        assert not re.search(r"\son[a-z]+=", text), template.name
