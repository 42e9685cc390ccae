"""The demo builds a small city through the real pipeline: its log verifies and its points
reconcile, also after an operator reverses a credit; the logins it prints work against the
served city, which has its campaign, redemptions and donations; a second run reuses the city and
prints the same logins."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from carbonledger import db
from carbonledger.config import Settings
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from carbonledger.simulate import logins
from tests.commands import run
from tests.served import serve

ADDRESSES = ("/app", "/portal", "/console", "/dashboard", "/handbook", "/docs", "/log/checkpoint")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A small demo city: its data directory and what the build printed."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    built = run(data_dir, "demo", "--citizens", "300", "--days", "3", "--build-only")
    assert built.returncode == 0, built.stderr
    assert "built the demo city" in built.stderr and "accepted" in built.stderr
    return data_dir, built.stdout


@pytest.fixture(scope="module")
def demo_url(demo: tuple[Path, str]) -> Iterator[str]:
    platform = Platform.open(Settings(data_dir=demo[0]))
    with serve(platform) as url:
        yield url
    platform.close()


def _saved(data_dir: Path) -> logins.Logins:
    found = logins.load(data_dir)
    assert found is not None
    return found


def test_the_build_prints_every_address_and_keeps_logins_private(demo: tuple[Path, str]) -> None:
    data_dir, printed = demo
    for address in ADDRESSES:
        assert f"http://127.0.0.1:8000{address}\n" in printed
    saved = _saved(data_dir)
    assert saved.citizen_password in printed and saved.operator_password in printed
    assert saved.data_partner_key in printed and saved.merchant_key in printed
    assert stat.S_IMODE((data_dir / logins.FILE_NAME).stat().st_mode) == 0o600
    assert sorted(p.name for p in (data_dir / "partners").iterdir())[0] == "appliances.pem"


def _session(url: str, kind: str, body: dict[str, str]) -> httpx.Client:
    """A client logged in with the printed login (the session's cookie; reads need no CSRF)."""
    answer = httpx.post(f"{url}/api/v1/session/{kind}", json=body)
    assert answer.status_code == 200, answer.text
    return httpx.Client(base_url=url, cookies=answer.cookies)


def test_the_citizen_login_shows_credits_a_redemption_and_a_donation(
    demo: tuple[Path, str], demo_url: str
) -> None:
    saved = _saved(demo[0])
    login = {"phone": saved.citizen_phone, "password": saved.citizen_password}
    with _session(demo_url, "citizen", login) as citizen:
        points = citizen.get("/api/v1/me/points")
        assert points.status_code == 200, points.text
        assert points.json()["balance"] > 0
        redemptions = citizen.get("/api/v1/me/redemptions")
        assert redemptions.status_code == 200 and redemptions.json()["redemptions"]
        donations = citizen.get("/api/v1/me/donations")
        assert donations.status_code == 200 and donations.json()["recent"]
    running = httpx.get(f"{demo_url}/api/v1/campaigns")
    assert running.status_code == 200 and "clean-plate-fortnight" in running.text


def test_the_operator_and_portal_logins_work(demo: tuple[Path, str], demo_url: str) -> None:
    saved = _saved(demo[0])
    login = {"operator": saved.operator, "password": saved.operator_password}
    with _session(demo_url, "operator", login) as operator:
        campaigns = operator.get("/api/v1/admin/points/campaigns")
        assert campaigns.status_code == 200, campaigns.text
        assert "car-free-day" in campaigns.text
    for partner, key in (
        (saved.data_partner, saved.data_partner_key),
        (saved.merchant, saved.merchant_key),
    ):
        portal = httpx.post(
            f"{demo_url}/portal/login", data={"partner": partner, "access_key": key}
        )
        assert portal.status_code == 303, (partner, portal.text)
    wrong = httpx.post(
        f"{demo_url}/portal/login", data={"partner": saved.merchant, "access_key": "wrong"}
    )
    assert wrong.status_code != 303


def _an_accepted_record(data_dir: Path) -> str:
    platform = Platform.open(Settings(data_dir=data_dir))
    with db.read(platform.engine) as conn:
        found = conn.execute(
            select(records.c.id).where(records.c.status == "accepted", records.c.points > 0)
        ).first()
    platform.close()
    assert found is not None
    return str(found.id)


def test_the_demo_witness_cosigns_what_the_explorer_and_receipts_show(
    demo: tuple[Path, str], demo_url: str
) -> None:
    from carbonledger.simulate import witness as demo_witness
    from carbonledger.translog import proofs
    from carbonledger.translog.receipts import verify_receipt
    from carbonledger.translog.witness_server import witness_signer

    data_dir, _ = demo
    witness = witness_signer(data_dir / "witness" / "witness.key", demo_witness.NAME).verifier()
    assert f"\u2014 {demo_witness.NAME} " in httpx.get(f"{demo_url}/log/checkpoint").text
    assert demo_witness.NAME in httpx.get(f"{demo_url}/log").text
    platform = Platform.open(Settings(data_dir=data_dir))
    with db.read(platform.engine) as conn:
        receipt = proofs.receipt(conn, 0)
    assert receipt is not None
    checked = verify_receipt(receipt.encode(), platform.log_signer.verifier(), [witness])
    platform.close()
    assert [name for name, _ in checked.cosigned] == [demo_witness.NAME]


def test_the_city_verifies_reconciles_and_is_reused(demo: tuple[Path, str]) -> None:
    data_dir, printed = demo
    verified = run(data_dir, "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("verified: ")
    reconciled = run(data_dir, "reconcile")
    assert reconciled.returncode == 0, reconciled.stderr
    assert "reconciled: every figure agrees" in reconciled.stdout

    record_id = _an_accepted_record(data_dir)
    reversed_ = run(data_dir, "reverse", record_id, "--reason", "duplicate account found in review")
    assert reversed_.returncode == 0, reversed_.stderr
    assert f"record {record_id} reversed by leaf" in reversed_.stdout
    again = run(data_dir, "reverse", record_id, "--reason", "twice")
    assert again.returncode == 1 and "not_reversible" in again.stderr
    assert run(data_dir, "verify").returncode == 0
    assert run(data_dir, "reconcile").returncode == 0

    reused = run(data_dir, "demo", "--build-only")
    assert reused.returncode == 0 and "reusing the demo city" in reused.stderr
    assert reused.stdout == printed


def test_a_data_dir_with_other_partners_is_left_alone(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    added = run(
        data_dir, "partner", "add", "acme", "--name", "Acme", "--public-key", "A" * 43 + "="
    )
    assert added.returncode == 0, added.stderr
    refused = run(data_dir, "demo", "--citizens", "10", "--days", "1", "--build-only")
    assert refused.returncode == 1 and "--fresh" in refused.stderr
    assert not (data_dir / logins.FILE_NAME).exists()


def test_the_market_lot_is_issued_sold_retired_and_verifies(
    demo: tuple[Path, str], demo_url: str
) -> None:
    saved = _saved(demo[0])
    registry = httpx.get(f"{demo_url}/api/v1/market/registry").json()
    (lot,) = registry["lots"]
    assert lot["status"] == "issued" and lot["signatures"] and lot["objections"][0]["answer"]
    holders = {h["holder"] for h in registry["holdings"]}
    assert {"pool", "buffer", "enterprise:bj-green-power", "retired"} <= holders
    (retired,) = registry["retirements"]
    assert "marathon" in retired["purpose"]
    login = {"phone": saved.citizen_phone, "password": saved.citizen_password}
    with _session(demo_url, "citizen", login) as citizen:
        story = citizen.get("/api/v1/me/market").json()
    assert story and story[0]["reduction_mg"] > 0 and "marathon" in story[0]["retired_for"][0]
    verified = run(demo[0], "registry", "verify")
    assert verified.returncode == 0, verified.stderr
    assert run(demo[0], "reconcile").returncode == 0
