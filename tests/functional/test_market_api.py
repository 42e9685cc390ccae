"""The market over real HTTP and the real `carbonledger registry` commands: a lot formed,
objected to and answered, signed by a verifier with its own key and tool, issued, sold with its
revenue funding a campaign, retired with a certificate whose receipt verifies, exported, and
the whole registry verified from outside."""

from __future__ import annotations

import io
import time
from pathlib import Path

import httpx
from pypdf import PdfReader

from carbonledger.platform import Platform
from tests import factories
from tests.commands import run
from tests.integration.market.market_helpers import credit

_ADMIN = "/api/v1/admin/market"


def _lot_terms(**changes: object) -> dict[str, object]:
    return {
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "scenarios": ["cycling"],
        "regions": ["110000"],
        "unit_mg": 100_000,
        "notice_days": 0,
        "review_days": 0,
    } | changes


def _receipt(url: str, retirement: str) -> dict[str, object]:
    for _ in range(100):
        answer = httpx.get(f"{url}/api/v1/market/retirements/{retirement}")
        if answer.status_code == 200:
            body: dict[str, object] = answer.json()
            return body
        time.sleep(0.1)
    raise AssertionError(answer.text)


def test_a_lot_from_formation_to_certificate(served: tuple[Platform, str], tmp_path: Path) -> None:
    platform, url = served
    data_dir = platform.settings.data_dir
    credit(platform, 6)
    with factories.operator_client(url, platform, roles=("reviewer",)) as reviewer:
        refused = reviewer.post(f"{url}{_ADMIN}/lots", json=_lot_terms())
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "missing_role")
    with factories.operator_client(url, platform, roles=("market",)) as operator:
        bad = operator.post(f"{url}{_ADMIN}/lots", json=_lot_terms(regions=["1"], unit_mg=0))
        assert bad.status_code == 400 and "6-digit" in bad.json()["error"]["message"]
        formed = operator.post(f"{url}{_ADMIN}/lots", json=_lot_terms())
        assert formed.status_code == 201, formed.text
        number = formed.json()["manifest"]["number"]
        objection = httpx.post(
            f"{url}/api/v1/market/lots/{number}/objections", json={"text": "is trip 2 doubled?"}
        ).json()["objection"]
        early = operator.post(f"{url}{_ADMIN}/lots/{number}/issue")
        assert early.json()["error"]["code"] == "objections_open"
        operator.post(f"{url}{_ADMIN}/objections/{objection}/answer", json={"text": "no: checked"})

        key = tmp_path / "verifier.key"
        made = run(data_dir, "registry", "keygen", "--out", str(key))
        assert made.returncode == 0, made.stderr
        registered = operator.post(
            f"{url}{_ADMIN}/verifiers",
            json={"id": "cqc", "name": "China Quality Certification", "public_key": made.stdout},
        )
        assert registered.status_code == 201, registered.text
        other = tmp_path / "other.key"
        run(data_dir, "registry", "keygen", "--out", str(other))
        forged = run(
            data_dir,
            "registry",
            "sign",
            str(number),
            "--verifier",
            "cqc",
            "--key",
            str(other),
            "--url",
            url,
        )
        assert forged.returncode == 1 and "does not verify" in forged.stderr
        signed = run(
            data_dir,
            "registry",
            "sign",
            str(number),
            "--verifier",
            "cqc",
            "--key",
            str(key),
            "--url",
            url,
        )
        assert signed.returncode == 0, signed.stderr

        issued = operator.post(f"{url}{_ADMIN}/lots/{number}/issue")
        assert issued.status_code == 200, issued.text
        assert issued.json()["status"] == "issued"
        campaign = factories.add_campaign(platform)
        operator.post(
            f"{url}{_ADMIN}/accounts", json={"id": "acme", "kind": "enterprise", "name": "ACME"}
        )
        sold = operator.post(
            f"{url}{_ADMIN}/transfers",
            json={
                "lot": number,
                "units": 4,
                "buyer": "enterprise:acme",
                "price_fen": 17_400,
                "funds": f"campaign:{campaign.id}",
            },
        )
        assert sold.status_code == 201, sold.text
        negative = operator.post(
            f"{url}{_ADMIN}/transfers",
            json={"lot": number, "units": 1, "buyer": "enterprise:acme", "price_fen": -1},
        )
        assert negative.status_code == 400 and "fen" in negative.json()["error"]["message"]
        retired = operator.post(
            f"{url}{_ADMIN}/retirements",
            json={
                "lot": number,
                "units": 2,
                "holder": "enterprise:acme",
                "purpose": "2026 city marathon, carbon neutral",
                "beneficiary": "City Marathon",
            },
        )
        assert retired.status_code == 201, retired.text
    retirement = retired.json()["id"]

    body = _receipt(url, retirement)
    (tmp_path / "retirement.json").write_text(
        httpx.get(f"{url}/api/v1/market/retirements/{retirement}").text
    )
    checked = run(
        data_dir, "registry", "check-receipt", str(tmp_path / "retirement.json"), "--url", url
    )
    assert checked.returncode == 0, checked.stderr
    assert "marathon" in checked.stdout and body["units"] == 2
    pdf = httpx.get(f"{url}/api/v1/market/retirements/{retirement}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    serials = body["serials"]
    assert isinstance(serials, list)
    assert serials[0] in text and "China Quality Certification" in text
    assert "marathon" in text and '"proof":' in text
    lot_csv = httpx.get(f"{url}/api/v1/market/export/lot-{number}.csv").text.splitlines()
    assert len(lot_csv) == 7 and lot_csv[0] == "lot,leaf_index,reduction_mg"
    retirements = httpx.get(f"{url}/api/v1/market/export/retirements.json").json()
    assert [r["id"] for r in retirements] == [retirement]

    verified = run(data_dir, "registry", "verify", "--url", url)
    assert verified.returncode == 0, verified.stderr
    assert "registry verified: 1 lot(s) of 6 credit(s)" in verified.stdout
