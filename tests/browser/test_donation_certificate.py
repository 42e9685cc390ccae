"""A donation certificate, downloaded in a real browser at a phone's size after donating: a PDF
naming the citizen, the project, the units and points given, with its number."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import add_project, log_in

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_a_citizen_downloads_a_donation_certificate(page: Any, site: tuple[Platform, str]) -> None:
    platform, url = site
    project = add_project(platform)
    citizen, phone = factories.new_citizen(platform, factories.PASSWORD)
    factories.grant_points(platform, citizen, 500)
    log_in(page, url, phone)
    page.goto(f"{url}/app/donations")
    offer = page.locator(f"#project-{project}")
    offer.get_by_label("捐赠数量（棵）").fill("2")
    offer.get_by_role("button").click()
    expect(page.locator(".flash")).to_be_visible()
    with page.expect_download() as downloading:
        page.get_by_role("link", name="下载「奥森植树」的捐赠证书").click()
    download = downloading.value
    assert download.suggested_filename.startswith("certificate-CL-")
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(download.path().read_bytes())).pages
    )
    assert "公益捐赠证书" in text.replace(" ", "")
    assert "奥森植树" in text.replace(" ", "")
    assert "200" in text and "2 tree" in text
    assert download.suggested_filename.removeprefix("certificate-").removesuffix(".pdf") in text
