"""The market's pages over HTTP: the console's market area takes a lot from formation to
retirement through its forms, the public registry shows the lot with its notice and takes an
objection from anyone, and a citizen sees where their own credits went."""

from __future__ import annotations

import httpx

from carbonledger import clock, db
from carbonledger.accounts.sessions import CSRF_HEADER
from carbonledger.market import lots
from carbonledger.market import registry_repository as registry_repo
from carbonledger.platform import Platform
from tests import factories
from tests.integration.market.market_helpers import (
    buyer,
    credit,
    form,
    issued_lot,
    new_verifier,
    sell,
    sign,
)


def _form(client: httpx.Client, **fields: str) -> dict[str, str]:
    return {"csrf_token": client.headers[CSRF_HEADER], **fields}


def test_a_lot_goes_through_the_console_and_the_public_pages(
    served: tuple[Platform, str],
) -> None:
    platform, url = served
    citizen_id, citizen = factories.citizen_client(url, platform)
    credit(platform, 4, citizen_id)
    year = clock.now().year
    with factories.operator_client(url, platform, roles=("market",)) as operator:
        page = operator.get(f"{url}/console/market")
        assert page.status_code == 200 and 'action="/console/market/lots"' in page.text
        bad = operator.post(
            f"{url}/console/market/lots",
            data=_form(operator, start="soon", end="", scenarios="cycling", regions="110000"),
        )
        # The Chinese page names the fields to fix.
        assert bad.status_code == 400 and "批次信息有误：开始日期、结束日期" in bad.text
        formed = operator.post(
            f"{url}/console/market/lots",
            data=_form(
                operator,
                start=f"{year}-01-01",
                end=f"{year}-12-31",
                scenarios="cycling",
                regions="110000",
                unit_g="100",
                notice_days="0",
                review_days="0",
            ),
            follow_redirects=False,
        )
        assert formed.status_code == 303, formed.text
        with db.read(platform.engine) as conn:
            number = max(row.number for row in lots.repo.lots(conn))
        objected = httpx.post(
            f"{url}/market/lots/{number}/objections",
            data={"text": "trip 3 twice?"},
            follow_redirects=True,
        )
        assert objected.status_code == 200 and "trip 3 twice?" in objected.text
        with db.read(platform.engine) as conn:
            objection = lots.repo.objections(conn, number)[0].id
        operator.post(
            f"{url}/console/market/objections/{objection}/answer",
            data=_form(operator, text="checked"),
        )
        sign(platform, number, new_verifier(platform, "pages-v"), "pages-v")
        issued = operator.post(
            f"{url}/console/market/lots/{number}/issue",
            data=_form(operator),
            follow_redirects=False,
        )
        assert issued.status_code == 303
        operator.post(
            f"{url}/console/market/accounts",
            data=_form(operator, id="run-club", kind="organiser", name="Run club"),
        )
        sold = operator.post(
            f"{url}/console/market/transfers",
            data=_form(
                operator,
                lot=str(number),
                units="3",
                seller="pool",
                buyer="organiser:run-club",
                price_fen="-1",
            ),
        )
        assert sold.status_code == 400 and "fen" in sold.text
        operator.post(
            f"{url}/console/market/transfers",
            data=_form(
                operator,
                lot=str(number),
                units="3",
                seller="pool",
                buyer="organiser:run-club",
                price_fen="900",
            ),
        )
        retired = operator.post(
            f"{url}/console/market/retirements",
            data=_form(
                operator,
                lot=str(number),
                units="2",
                holder="organiser:run-club",
                purpose="Spring 10k, carbon neutral",
                beneficiary="Run club",
            ),
            follow_redirects=False,
        )
        assert retired.status_code == 303
    public = httpx.get(f"{url}/market/lots/{number}?lang=en")
    assert "issued" in public.text and "checked" in public.text and "Spring 10k" in public.text
    assert "organiser:run-club" in httpx.get(f"{url}/market/holders").text
    assert "Spring 10k" in httpx.get(f"{url}/market/retirements").text
    with citizen:
        mine = citizen.get(f"{url}/app/market?lang=en")
    assert mine.status_code == 200
    assert "4 of your credits" in mine.text and "Spring 10k" in mine.text
    _other_id, other = factories.citizen_client(url, platform)
    with other:
        assert "None of your credits" in other.get(f"{url}/app/market?lang=en").text


def test_an_enterprise_retires_its_own_units_in_the_portal(served: tuple[Platform, str]) -> None:
    platform, url = served
    number = issued_lot(platform)
    partner = factories.add_partner(platform)
    account = buyer(platform, partner.id)
    sell(platform, number, account, 5, 2175)
    with factories.portal_client(url, platform, partner.id) as portal:
        page = portal.get("/portal/market?lang=en")
        assert page.status_code == 200 and f"{account}" in page.text
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]

        def retire(units: int, purpose: str, language: str = "") -> httpx.Response:
            return portal.post(
                f"/portal/market/retire{language}",
                data={
                    "csrf_token": csrf,
                    "lot": str(number),
                    "units": str(units),
                    "purpose": purpose,
                    "beneficiary": "ACME",
                },
                follow_redirects=True,
            )

        too_many = retire(6, "Annual report")
        assert too_many.status_code == 409 and "holds 5 unit" in too_many.text
        chinese = retire(6, "Annual report", "?lang=zh")
        assert chinese.status_code == 409 and "持有的减排量单位不足。" in chinese.text
        assert "holds 5 unit" not in chinese.text
        done = retire(5, "Annual report 2026")
        assert done.status_code == 200 and "Annual report 2026" in done.text
    with db.read(platform.engine) as conn:
        assert sum(s.units for s in registry_repo.holdings(conn, number, account)) == 0


def test_the_public_registry_never_names_a_citizen_buyer(served: tuple[Platform, str]) -> None:
    platform, url = served
    number = issued_lot(platform)
    account = buyer(platform, "wang-fang-1988", "citizen")
    sell(platform, number, account, 2, 87)
    for path in ("/market/holders", f"/market/lots/{number}", "/api/v1/market/registry"):
        body = httpx.get(f"{url}{path}").text
        assert "wang-fang-1988" not in body and "Wang-Fang" not in body, path
    assert '"holder":"citizen"' in httpx.get(f"{url}/api/v1/market/registry").text.replace(" ", "")


def test_public_objections_are_limited_per_address_and_refused_in_the_pages_language(
    served: tuple[Platform, str],
) -> None:
    platform, url = served
    credit(platform, 3)
    number = form(platform)
    path = f"{url}/market/lots/{number}/objections"
    flooder = {"X-Forwarded-For": "203.0.113.7"}
    empty = httpx.post(path, data={"text": "  "}, headers={"X-Forwarded-For": "203.0.113.8"})
    assert empty.status_code == 400 and "empty_objection" not in empty.text
    assert "an objection needs a text" not in empty.text  # the Chinese page's own words
    first = httpx.post(path, data={"text": "trip 1 twice?"}, headers=flooder)
    assert first.status_code == 303
    second = httpx.post(path, data={"text": "trip 2 twice?"}, headers=flooder)
    assert second.status_code == 429 and int(second.headers["Retry-After"]) > 0
    assert "操作太频繁，请稍后再试。" in second.text
    english = httpx.post(f"{path}?lang=en", data={"text": "trip 3?"}, headers=flooder)
    assert english.status_code == 429 and "Too many requests; try again later." in english.text
    api = f"{url}/api/v1/market/lots/{number}/objections"
    by_api = httpx.post(api, json={"text": "trip 5?"}, headers=flooder)
    assert by_api.status_code == 429 and int(by_api.headers["Retry-After"]) > 0
    other = httpx.post(
        path, data={"text": "trip 4 twice?"}, headers={"X-Forwarded-For": "198.51.100.9"}
    )
    assert other.status_code == 303
    with db.read(platform.engine) as conn:
        texts = {row.text for row in lots.repo.objections(conn, number)}
    assert texts == {"trip 1 twice?", "trip 4 twice?"}
