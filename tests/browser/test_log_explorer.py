"""The public log explorer and receipts in a real browser: a citizen downloads a receipt from
the ledger page and the explorer and the ledger page both check it with static/verify.js (the
same code that checks credits), a changed receipt is refused with its reason, and a witness's
cosignature on the golden receipt is checked; no request leaves the platform (the `page`
fixture fails the test on any)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from carbonledger.platform import Platform
from tests.browser.citizen import credited_citizen, log_in

pytest.importorskip("playwright")
from playwright.sync_api import expect

VECTORS = Path(__file__).parents[1] / "vectors" / "receipts"


def _covered(url: str, leaves: list[int]) -> None:
    deadline = time.monotonic() + 10
    while int(httpx.get(f"{url}/log/checkpoint").text.split("\n")[1]) <= max(leaves):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _downloaded_receipt(page: Any, site: tuple[Platform, str], tmp_path: Path) -> tuple[Path, int]:
    platform, url = site
    _, phone, leaves = credited_citizen(platform, url, trips=1)
    _covered(url, leaves)
    log_in(page, url, phone)
    page.goto(f"{url}/app/ledger")
    with page.expect_download() as download:
        page.locator("a.receipt").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".tlog-proof"
    return saved, leaves[0]


def test_a_downloaded_receipt_is_verified_in_the_explorer_and_the_ledger(
    page: Any, site: tuple[Platform, str], tmp_path: Path
) -> None:
    url = site[1]
    receipt, leaf = _downloaded_receipt(page, site, tmp_path)
    for where in (f"{url}/log", f"{url}/app/ledger"):
        page.goto(where)
        page.locator("#receipt-file").set_input_files(str(receipt))
        result = page.locator("#receipt-result")
        expect(result).to_have_class("verified", timeout=15_000)
        expect(result).to_contain_text(f"日志记录 {leaf}")
        expect(result).to_contain_text("cycling")


def test_a_changed_receipt_is_refused_with_its_reason(
    page: Any, site: tuple[Platform, str], tmp_path: Path
) -> None:
    url = site[1]
    receipt, _ = _downloaded_receipt(page, site, tmp_path)
    lines = receipt.read_text().split("\n")
    lines[2] = "index " + str(int(lines[2].split()[1]) + 1)
    changed = tmp_path / "changed.tlog-proof"
    changed.write_text("\n".join(lines))
    page.goto(f"{url}/log")
    page.locator("#receipt-file").set_input_files(str(changed))
    result = page.locator("#receipt-result")
    expect(result).to_have_class("not-verified", timeout=15_000)
    expect(result).to_contain_text("凭证无效")


def test_the_explorer_shows_the_checkpoint_and_entries(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    _, _, leaves = credited_citizen(platform, url, trips=2)
    _covered(url, leaves)
    page.goto(f"{url}/log")
    expect(page.locator("#log-origin")).to_have_text(platform.settings.log_origin)
    expect(page.locator("tr.signature.log")).to_have_count(1)
    expect(page.locator(f"#leaf-{max(leaves)}")).to_be_visible()
    page.get_by_label("记录编号（日志序号或平台记录号）").fill(str(leaves[0]))
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#found")).to_contain_text(f"日志记录 {leaves[0]}")


def test_the_page_checks_a_witness_cosignature_on_the_golden_receipt(
    page: Any, site: tuple[Platform, str]
) -> None:
    page.goto(f"{site[1]}/log")
    checked = page.evaluate(
        """async ([text, log, witness]) => {
          const V = window.CarbonLedgerVerify;
          const r = await V.verifyReceipt(text, await V.parseVerifierKey(log), [witness]);
          let forged = null;
          try {
            await V.verifyReceipt(text.replace("eQqKDQAAAABr", "eQqKDQAAAABs"),
              await V.parseVerifierKey(log), [witness]);
          } catch (error) { forged = error.message; }
          return { index: r.index, cosigned: r.cosigned, forged };
        }""",
        [
            (VECTORS / "credit.tlog-proof").read_text(),
            (VECTORS / "log.vkey").read_text(),
            (VECTORS / "witness.vkey").read_text().strip(),
        ],
    )
    assert checked["index"] == 3
    assert checked["cosigned"] == [{"name": "witness.example", "time": 1_796_000_000}]
    assert "witness.example does not verify" in checked["forged"]
