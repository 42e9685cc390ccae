"""An appeal from the citizen's phone to the review queue and back, in a real browser: a credit
reversed after review is appealed from the ledger with a reason; the reviewer finds it in the
console's review queue and answers it; the citizen reads the answer. Appealing the same record
again is refused in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from carbonledger import clock, db
from carbonledger.ingest.crediting import reverse
from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import credited_citizen, log_in
from tests.browser.logins import operator_log_in

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_a_citizen_appeals_a_reversal_and_reads_the_answer(
    page: Any, site: tuple[Platform, str]
) -> None:
    platform, url = site
    _, phone, _ = credited_citizen(platform, url, trips=1)
    page.goto(url)  # the citizen's record id, read from their own ledger
    log_in(page, url, phone)
    page.goto(f"{url}/app/ledger")
    record = (
        page.locator("table.entries tbody tr").first.get_attribute("id").removeprefix("record-")
    )
    with db.write(platform.engine) as conn:
        reverse(conn, platform, record, "速度异常", clock.now())

    page.goto(f"{url}/app/ledger")
    page.locator(f"#record-{record}").get_by_role("link", name="申诉").first.click()
    page.get_by_label("申诉理由").fill("这是我真实的骑行，速度是下坡时的。")
    page.get_by_role("button", name="提交申诉").click()
    expect(page.locator(".flash")).to_have_text("申诉已提交，复核员答复后会在这里显示。")
    mine = page.locator(".appeals li").first
    expect(mine.locator(".badge")).to_have_text("待答复")

    page.goto(f"{url}/app/appeals?record={record}")
    page.get_by_label("申诉理由").fill("再申诉一次")
    page.get_by_role("button", name="提交申诉").click()
    expect(page.locator(".flash")).to_have_text("这条记录已经申诉过了。")

    reviewer = factories.add_operator(platform, ("reviewer",))
    page.context.clear_cookies()
    operator_log_in(page, url, reviewer)
    page.goto(f"{url}/console/review")
    appeal = page.locator("#appeals li").filter(has_text=record)
    expect(appeal).to_contain_text("这是我真实的骑行")
    appeal.get_by_label("申诉成立").check()
    appeal.get_by_label("给市民的答复").fill("已核实为下坡路段，已请合作方重新上报。")
    appeal.get_by_role("button", name="答复").click()
    expect(page.locator(".flash")).to_have_text("已答复申诉。")
    expect(page.locator("#appeals li").filter(has_text=record)).to_have_count(0)

    page.context.clear_cookies()
    log_in(page, url, phone)
    page.goto(f"{url}/app/appeals")
    answered = page.locator(".appeals li").first
    expect(answered.locator(".badge")).to_have_text("申诉成立")
    expect(answered.locator(".answer")).to_contain_text("已核实为下坡路段")
