"""Receipts over HTTP: a partner fetches the receipt of its own credit (signed), a citizen
downloads theirs from the ledger page, and `carbonledger receipt verify` checks one offline with
nothing but the log's key; nobody gets another's receipt."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from carbonledger.translog.leaves import Leaf
from carbonledger.translog.note import parse_verifier_key
from carbonledger.translog.receipts import verify_receipt
from tests import factories
from tests.commands import run
from tests.factories import MadePartner, record

Served = tuple[Platform, str]


def _receipt(client: PartnerClient, external_id: str) -> httpx.Response:
    """The partner's receipt once a checkpoint covers the credit (the server signs every 0.2 s)."""
    deadline = time.monotonic() + 10
    while True:
        answer = client.request("GET", f"/api/v1/records/{external_id}/receipt")
        if answer.status_code != 409 or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def test_a_partner_gets_the_receipt_of_its_own_credit(
    served: Served, partner: tuple[MadePartner, PartnerClient], tmp_path: Path
) -> None:
    platform, url = served
    made, client = partner
    citizen = factories.add_citizen(platform)
    factories.link(platform, made.id, "u", citizen)
    sent = record("walking", user="u", quantity=7000)
    [result] = client.submit([sent]).json()["results"]
    answer = _receipt(client, sent["external_id"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["content-disposition"].endswith('.tlog-proof"')
    vkey = httpx.get(f"{url}/log/key").text.strip()
    checked = verify_receipt(answer.text, parse_verifier_key(vkey))
    assert checked.index == result["leaf_index"]
    assert isinstance(checked.leaf, Leaf) and checked.leaf.names_record(result["record"])

    # Offline: the command reads only the file and the key.
    (tmp_path / "r.tlog-proof").write_text(answer.text)
    ok = run(tmp_path / "none", "receipt", "verify", str(tmp_path / "r.tlog-proof"), "--key", vkey)
    assert ok.returncode == 0, ok.stderr
    assert f"verified: leaf {result['leaf_index']} of {platform.settings.log_origin}" in ok.stdout
    assert "walking 7000 steps" in ok.stdout
    (tmp_path / "bad.tlog-proof").write_text(answer.text.replace("index ", "index 1"))
    bad = run(
        tmp_path / "none", "receipt", "verify", str(tmp_path / "bad.tlog-proof"), "--key", vkey
    )
    assert bad.returncode == 1 and "does not verify" in bad.stderr


def test_receipts_are_refused_for_unknown_uncredited_or_others_records(
    served: Served, partner: tuple[MadePartner, PartnerClient]
) -> None:
    url = served[1]
    client = partner[1]
    pending = record("walking", user="nobody-linked", quantity=7000)
    client.submit([pending])
    unknown = client.request("GET", "/api/v1/records/never-sent/receipt")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_record")
    uncredited = client.request("GET", f"/api/v1/records/{pending['external_id']}/receipt")
    assert (uncredited.status_code, uncredited.json()["error"]["code"]) == (404, "no_receipt")
    unsigned = httpx.get(f"{url}/api/v1/records/{pending['external_id']}/receipt")
    assert unsigned.status_code == 401


def test_a_citizen_downloads_their_receipt_and_only_theirs(
    served: Served, partner: tuple[MadePartner, PartnerClient]
) -> None:
    platform, url = served
    made, client = partner
    citizen, api = factories.citizen_client(url, platform)
    factories.link(platform, made.id, "mine", citizen)
    sent = record("walking", user="mine", quantity=7000)
    [result] = client.submit([sent]).json()["results"]
    assert _receipt(client, sent["external_id"]).status_code == 200
    with api:
        page = api.get("/app/ledger")
        assert f"/app/ledger/{result['record']}/receipt" in page.text
        mine = api.get(f"/app/ledger/{result['record']}/receipt")
    assert mine.status_code == 200 and mine.text.startswith("c2sp.org/tlog-proof@v1\n")
    other_id, other = factories.citizen_client(url, platform)
    with other:
        refused = other.get(f"/app/ledger/{result['record']}/receipt")
    assert refused.status_code == 404 and other_id != citizen
