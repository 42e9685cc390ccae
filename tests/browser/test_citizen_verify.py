"""The ledger page's check of each credit against the public log (static/verify.js), in a real
browser: the RFC 9162 vectors through the page's own code, a credit verified end to end, and
every way the check must fail — a tampered proof, a forged checkpoint signature, another
record's leaf, a leaf under another account than the citizen's of that day — and a credit
newer than the checkpoint waiting for the next one."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from carbonledger import db
from carbonledger.platform import Platform
from carbonledger.translog import proofs
from carbonledger.translog.checkpoint import Checkpoint, sign_checkpoint
from tests.browser.citizen import VERIFIED, credited_citizen, log_in

pytest.importorskip("playwright")
from playwright.sync_api import Route, expect

VECTORS = Path(__file__).parents[1] / "vectors" / "merkle" / "testdata" / "inclusion"
_RUN_VECTORS = """async (cases) => {
  const V = window.CarbonLedgerVerify;
  const results = [];
  for (const c of cases) {
    try {
      await V.verifyInclusion(V.decodeBase64(c.leafHash), c.leafIdx, c.treeSize,
        (c.proof || []).map(V.decodeBase64), V.decodeBase64(c.root));
      results.push(true);
    } catch (error) {
      if (!(error instanceof V.VerifyError)) throw error;
      results.push(false);
    }
  }
  return results;
}"""


def _flip(encoded: str, at: int = 0) -> str:
    raw = bytearray(base64.b64decode(encoded))
    raw[at] ^= 0x08
    return base64.b64encode(bytes(raw)).decode()


def _badges(page: Any) -> Any:
    return page.locator("[data-leaf][data-record]")


def _logged_in(page: Any, site: tuple[Platform, str]) -> list[int]:
    """A new citizen with two credits, logged in; the credits' leaf indexes."""
    platform, url = site
    _, phone, leaves = credited_citizen(platform, url)
    log_in(page, url, phone)
    return leaves


def _all_refused(page: Any, url: str, reason: str) -> None:
    """Every credit on the ledger page ends not verified, saying `reason`."""
    page.goto(f"{url}/app/ledger")
    badges = _badges(page).all()
    assert badges
    for badge in badges:
        expect(badge).to_have_class("badge not-verified", timeout=20_000)
        expect(badge).to_have_text("未通过验证")
        assert reason in (badge.get_attribute("title") or "")


def test_the_page_script_agrees_with_every_rfc_vector(
    page: Any, site: tuple[Platform, str]
) -> None:
    _, url = site
    paths = sorted(VECTORS.rglob("*.json"))
    cases = [json.loads(path.read_text()) for path in paths]
    page.goto(f"{url}/handbook")
    page.add_script_tag(url="/static/verify.js")
    results = page.evaluate(_RUN_VECTORS, cases)
    assert len(results) == len(cases) == 98
    wrong = [
        str(path)
        for path, case, ok in zip(paths, cases, results, strict=True)
        if ok == case["wantErr"]
    ]
    assert wrong == []
    assert results.count(True) == sum(not case["wantErr"] for case in cases) > 0


def test_each_credit_is_verified_in_the_public_log(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    _, phone, leaves = credited_citizen(platform, url, trips=3)
    log_in(page, url, phone)
    page.goto(f"{url}/app/ledger")
    badges = _badges(page)
    expect(badges).to_have_count(3)
    assert sorted(int(b.get_attribute("data-leaf")) for b in badges.all()) == sorted(leaves)
    for badge in badges.all():
        expect(badge).to_have_text(VERIFIED, timeout=20_000)
        expect(badge).to_have_class("badge verified")
    expect(page.locator("#verify-summary")).to_contain_text("3 条通过")


def test_a_tampered_proof_is_not_verified(page: Any, site: tuple[Platform, str]) -> None:
    _logged_in(page, site)

    def tamper(route: Route) -> None:
        answer = route.fetch()
        body = answer.json()
        assert body["proof"], "a tree of two or more leaves has a non-empty proof"
        body["proof"][0] = _flip(body["proof"][0])
        route.fulfill(response=answer, json=body)

    page.route("**/api/v1/log/proof/inclusion?*", tamper)
    _all_refused(page, site[1], "does not lead to the signed root")


def test_a_checkpoint_with_a_forged_signature_is_not_trusted(
    page: Any, site: tuple[Platform, str]
) -> None:
    _logged_in(page, site)

    def forge(route: Route) -> None:
        answer = route.fetch()
        text, signature = answer.text().rsplit(" ", 1)
        # Past the 4-byte key id: the log's own signature line, with a changed signature.
        route.fulfill(response=answer, body=f"{text} {_flip(signature[:-1], at=10)}\n")

    page.route("**/log/checkpoint", forge)
    _all_refused(page, site[1], "signature does not verify")


def test_another_records_leaf_is_not_this_records_credit(
    page: Any, site: tuple[Platform, str]
) -> None:
    url = site[1]
    first, second = sorted(_logged_in(page, site))

    def swap(route: Route) -> None:
        # The other credit's genuine leaf, served as if it were at the index asked for.
        asked = int(route.request.url.rsplit("/", 1)[1])
        answer = route.fetch(url=f"{url}/api/v1/log/entries/{second if asked == first else first}")
        route.fulfill(response=answer, json={**answer.json(), "index": asked})

    page.route("**/api/v1/log/entries/*", swap)
    _all_refused(page, url, "is not this record's credit")


def test_a_leaf_under_another_account_is_not_the_citizens(
    page: Any, site: tuple[Platform, str]
) -> None:
    url = site[1]
    _logged_in(page, site)
    page.goto(f"{url}/app/ledger")
    openings = [b.get_attribute("data-opening") for b in _badges(page).all()]
    assert openings and all(o and len(o) == 64 for o in openings)

    def other_account(route: Route) -> None:
        answer = route.fetch()
        leaf = json.loads(answer.json()["leaf"])
        leaf["account"] = "0" * 32
        body = {**answer.json(), "leaf": json.dumps(leaf, separators=(",", ":"))}
        route.fulfill(response=answer, json=body)

    page.route("**/api/v1/log/entries/*", other_account)
    _all_refused(page, url, "names another account than yours")


def test_a_credit_newer_than_the_checkpoint_waits_for_the_next(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    leaves = _logged_in(page, site)
    # A genuine, correctly signed checkpoint from before these credits.
    older = min(leaves)
    with db.read(platform.engine) as conn:
        root = proofs.root(conn, older)
    note = sign_checkpoint(
        Checkpoint(platform.settings.log_origin, older, root), platform.log_signer
    )
    page.route("**/log/checkpoint", lambda route: route.fulfill(body=note))
    page.goto(f"{url}/app/ledger")
    for badge in _badges(page).all():
        expect(badge).to_have_text("等待下一个检查点", timeout=20_000)
        expect(badge).to_have_class("badge waiting")
    page.unroute("**/log/checkpoint")
    for badge in _badges(page).all():
        expect(badge).to_have_text(VERIFIED, timeout=20_000)
