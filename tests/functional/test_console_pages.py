"""The operator console over HTTP: every page and form refuses a visitor who is not logged in or
is a citizen (to the login form) and an operator without the area's role (403); the JSON admin
routes refuse the same visitors in the error format; logging in and out; and each area's forms,
their notices and their refusals shown on the page."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonledger import clock, db
from carbonledger.accounts.sessions import CSRF_HEADER
from carbonledger.ingest.repository import record_by_id
from carbonledger.ingest.signing import public_key_b64
from carbonledger.methodology import service as methodology
from carbonledger.platform import Platform
from tests import factories
from tests.factories import record
from tests.integration.helpers import submit

Served = tuple[Platform, str]
RECORD = "01NOSUCHRECORD000000000000"
PAGES = [
    ("GET", "/console/partners", "partners"),
    ("POST", "/console/partners", "partners"),
    ("POST", "/console/partners/some-partner/approve", "partners"),
    ("GET", "/console/methodology", "methodology"),
    ("POST", "/console/methodology", "methodology"),
    ("GET", "/console/review", "reviewer"),
    ("POST", "/console/review/flag", "reviewer"),
    ("POST", f"/console/review/{RECORD}/reverse", "reviewer"),
    ("POST", f"/console/review/{RECORD}/keep", "reviewer"),
    ("GET", "/console/points", "points"),
    ("POST", "/console/points/rules", "points"),
    ("POST", "/console/points/campaigns", "points"),
    ("POST", "/console/points/campaigns/some-campaign/top-up", "points"),
    ("POST", "/console/points/campaigns/some-campaign/close", "points"),
    ("GET", "/console/rewards", "points"),
    ("POST", "/console/rewards/some-reward/suspend", "points"),
    ("GET", "/console/reports", "reports"),
    ("GET", "/console/reports/monthly.pdf", "reports"),
]
API = [
    ("GET", "/api/v1/admin/partners", "partners"),
    ("POST", "/api/v1/admin/partners", "partners"),
    ("POST", "/api/v1/admin/partners/some-partner/approve", "partners"),
    ("GET", "/api/v1/admin/methodology/versions", "methodology"),
    ("POST", "/api/v1/admin/methodology/versions", "methodology"),
    ("GET", "/api/v1/admin/review", "reviewer"),
    ("POST", "/api/v1/admin/review/flags", "reviewer"),
    ("POST", f"/api/v1/admin/review/{RECORD}/reverse", "reviewer"),
    ("POST", f"/api/v1/admin/review/{RECORD}/keep", "reviewer"),
    ("GET", "/api/v1/admin/reports/monthly?month=2026-11", "reports"),
]
OTHER_ROLE = {
    "partners": "reports",
    "methodology": "reviewer",
    "reviewer": "partners",
    "reports": "methodology",
    "points": "reports",
}


def _form(client: httpx.Client, **fields: str) -> dict[str, str]:
    return {"csrf_token": client.headers[CSRF_HEADER], **fields}


@pytest.mark.parametrize(("method", "path", "role"), [*PAGES, ("GET", "/console", "")])
def test_a_page_sends_visitors_who_are_not_operators_to_the_login_form(
    served: Served, method: str, path: str, role: str
) -> None:
    platform, url = served
    _, citizen = factories.citizen_client(url, platform)
    with citizen, httpx.Client(base_url=url) as anonymous:
        for visitor in (anonymous, citizen):
            answer = visitor.request(method, path, data=_form(citizen))
            assert answer.status_code == 303, (visitor, answer.text)
            assert answer.headers["location"].startswith("/console/login?next=/console")


@pytest.mark.parametrize(("method", "path", "role"), PAGES)
def test_a_page_refuses_an_operator_without_its_role(
    served: Served, method: str, path: str, role: str
) -> None:
    platform, url = served
    with factories.operator_client(url, platform, (OTHER_ROLE[role],)) as operator:
        answer = operator.request(method, path, data=_form(operator))
    assert answer.status_code == 403
    assert "没有权限" in answer.text
    assert f"/console/{path.split('/')[2]}" not in answer.text.split("<main")[0]  # not in the nav


@pytest.mark.parametrize(("method", "path", "role"), API)
def test_an_admin_route_refuses_visitors_and_operators_without_its_role(
    served: Served, method: str, path: str, role: str
) -> None:
    platform, url = served
    _, citizen = factories.citizen_client(url, platform)
    with citizen, factories.operator_client(url, platform, (OTHER_ROLE[role],)) as other:
        answers = [
            httpx.request(method, url + path, json={}),
            citizen.request(method, path, json={}),
            other.request(method, path, json={}),
        ]
    codes = [(a.status_code, a.json()["error"]["code"]) for a in answers]
    assert codes == [(401, "not_logged_in"), (401, "not_logged_in"), (403, "missing_role")]


def test_an_operator_logs_in_and_out(served: Served) -> None:
    platform, url = served
    operator_id = factories.add_operator(platform, ("reports",))
    with httpx.Client(base_url=url) as browser:
        login = browser.get("/console/login")
        assert login.status_code == 200 and 'name="password"' in login.text
        wrong = browser.post("/console/login", data={"operator": operator_id, "password": "nope"})
        assert wrong.status_code == 401
        assert "运营账号或密码错误" in wrong.text
        right = browser.post(
            "/console/login",
            data={
                "operator": operator_id,
                "password": factories.PASSWORD,
                "next": "/console/reports",
            },
        )
        assert (right.status_code, right.headers["location"]) == (303, "/console/reports")
        home = browser.get("/console")
        assert home.status_code == 200
        assert 'href="/console/reports"' in home.text
        assert 'href="/console/partners"' not in home.text
        csrf = home.text.split('name="csrf_token" value="')[1].split('"')[0]
        out = browser.post("/console/logout", data={"csrf_token": csrf})
        assert out.headers["location"] == "/console/login?done=logged_out"
        assert browser.get("/console").status_code == 303


def test_a_login_form_posted_from_another_site_is_refused(served: Served) -> None:
    platform, url = served
    operator_id = factories.add_operator(platform)
    answer = httpx.post(
        f"{url}/console/login",
        data={"operator": operator_id, "password": factories.PASSWORD},
        headers={"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403
    assert "cl_session" not in answer.headers.get("set-cookie", "")


def test_partners_are_registered_pending_and_approved(served: Served) -> None:
    platform, url = served
    with factories.operator_client(url, platform, ("partners",)) as operator:
        partner_id = f"bus-{factories.next_serial()}"
        key = public_key_b64(Ed25519PrivateKey.generate())
        fields = {"partner": partner_id, "name": "城市公交", "role": "data", "public_key": key}
        added = operator.post("/console/partners", data=_form(operator, **fields))
        assert added.status_code == 303
        page = operator.get(added.headers["location"])
        assert f"已登记合作方 {partner_id}" in page.text
        row = page.text.split(f'id="partner-{partner_id}"')[1].split("</tr>")[0]
        assert "待审核" in row and f"/console/partners/{partner_id}/approve" in row
        approved = operator.post(f"/console/partners/{partner_id}/approve", data=_form(operator))
        page = operator.get(approved.headers["location"])
        row = page.text.split(f'id="partner-{partner_id}"')[1].split("</tr>")[0]
        assert "正常" in row and "/approve" not in row
        again = operator.post("/console/partners", data=_form(operator, **fields))
        assert again.status_code == 409
        assert "该合作方标识已被使用" in again.text
        assert f'value="{partner_id}"' in again.text  # the form keeps what was typed
        expired = operator.post(f"/console/partners/{partner_id}/suspend", data={"csrf_token": "x"})
        assert expired.status_code == 403
        assert "表单已过期" in expired.text


def test_a_methodology_version_is_published_from_the_page(served: Served) -> None:
    platform, url = served
    earliest = methodology.earliest_effective_date(platform, clock.now())
    fields = {
        "scenario": "paperless",
        "effective_from": (earliest.replace(year=earliest.year + 1)).isoformat(),
        "factor": "4.5",
        "status": "sourced",
        "provenance": "办公用纸生命周期评价 2026",
    }
    with factories.operator_client(url, platform, ("methodology",)) as operator:
        page = operator.get("/console/methodology")
        assert f'min="{earliest.isoformat()}"' in page.text
        published = operator.post("/console/methodology", data=_form(operator, **fields))
        assert published.status_code == 303, published.text
        shown = operator.get(published.headers["location"])
        version = f"paperless@{fields['effective_from']}"
        assert f"已发布方法学版本 {version}" in shown.text
        assert version in shown.text.split('id="scenario-paperless"')[1].split("</tr>")[0]
        refused = operator.post(
            "/console/methodology",
            data=_form(operator, **{**fields, "effective_from": "2020-01-01", "provenance": ""}),
        )
    assert refused.status_code == 400
    assert "effective_from" in refused.text and "provenance" in refused.text


def test_a_reviewer_reverses_and_keeps_flagged_credits(served: Served) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    factories.link(platform, partner.id, "rider", factories.add_citizen(platform))
    fast, ordinary = submit(
        platform,
        partner.id,
        [
            record(quantity=29, minutes=60, user="rider"),
            record(user="rider", minutes=25, start=clock.now() - timedelta(hours=4)),
        ],
    )
    with factories.operator_client(url, platform, ("reviewer",)) as reviewer:
        queue = reviewer.get("/console/review")
        assert f'id="flag-{fast.record}"' in queue.text
        assert "接近合理性边界" in queue.text
        blank = reviewer.post(
            f"/console/review/{fast.record}/reverse", data=_form(reviewer, reason=" ")
        )
        assert blank.status_code == 400 and "请填写原因" in blank.text
        flagged = reviewer.post(
            "/console/review/flag",
            data=_form(reviewer, record=ordinary.record or "", note="用户投诉重复上报"),
        )
        assert flagged.status_code == 303
        reversed_ = reviewer.post(
            f"/console/review/{fast.record}/reverse",
            data=_form(reviewer, reason="29 km/h 超出共享单车常见速度"),
        )
        assert reversed_.status_code == 303
        assert "已撤销" in reviewer.get(reversed_.headers["location"]).text
        kept = reviewer.post(f"/console/review/{ordinary.record}/keep", data=_form(reviewer))
        assert kept.status_code == 303
        done = reviewer.get("/console/review?status=reversed")
        assert (
            f'id="flag-{fast.record}"' in done.text and "29 km/h 超出共享单车常见速度" in done.text
        )
    with db.read(platform.engine) as conn:
        row = record_by_id(conn, fast.record or "")
    assert row is not None and (row.status, row.reason) == ("rejected", "reversed")


def test_the_reports_page_shows_the_month_and_offers_the_files(served: Served) -> None:
    platform, url = served
    with factories.operator_client(url, platform, ("reports",)) as operator:
        page = operator.get("/console/reports")
        month = page.text.split('name="month" type="month" required value="')[1].split('"')[0]
        assert page.status_code == 200
        assert f"/console/reports/monthly.pdf?month={month}" in page.text
        assert "/static/vendor/plotly.min.js" in page.text
        pdf = operator.get(f"/console/reports/monthly.pdf?month={month}")
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        bad = operator.get("/console/reports?month=2026-13")
        assert bad.status_code == 400 and "月份格式有误" in bad.text
        unknown = operator.get(f"/console/reports/monthly.doc?month={month}")
        assert unknown.status_code == 404


def test_an_operator_suspends_and_restores_a_reward(served: Served) -> None:
    platform, url = served
    merchant = factories.add_partner(platform, role="merchant")
    reward = factories.add_reward(platform, merchant.id, name_zh="地铁骑行券")
    with factories.operator_client(url, platform, ("points",)) as operator:
        page = operator.get("/console/rewards")
        row = page.text.split(f'id="reward-{reward}"')[1].split("</tr>")[0]
        assert "地铁骑行券" in row and "上架中" in row
        suspended = operator.post(f"/console/rewards/{reward}/suspend", data=_form(operator))
        assert suspended.status_code == 303
        page = operator.get(suspended.headers["location"])
        assert "奖励已暂停" in page.text
        row = page.text.split(f'id="reward-{reward}"')[1].split("</tr>")[0]
        assert "已暂停" in row and f"/console/rewards/{reward}/restore" in row
        listed = {r["id"] for r in httpx.get(f"{url}/api/v1/rewards").json()["rewards"]}
        assert reward not in listed
        restored = operator.post(f"/console/rewards/{reward}/restore", data=_form(operator))
        assert "上架中" in operator.get(restored.headers["location"]).text
        unknown = operator.post("/console/rewards/nothing-here/suspend", data=_form(operator))
        assert unknown.status_code == 404


def _local(moment: datetime, platform: Platform) -> str:
    return moment.astimezone(platform.settings.zone).strftime("%Y-%m-%dT%H:%M")


def test_an_operator_sets_rules_and_runs_a_campaign(served: Served) -> None:
    platform, url = served
    now = clock.now()
    campaign_id = f"green-week-{factories.next_serial()}"
    fields = {
        "id": campaign_id,
        "name_zh": "绿色出行周",
        "name_en": "Green travel week",
        "starts_at": _local(now - timedelta(hours=1), platform),
        "ends_at": _local(now + timedelta(days=7), platform),
        "multiplier": "1.5",
        "budget": "5000",
        "regions": "",
    }
    with factories.operator_client(url, platform, ("points",)) as operator:
        rules = operator.post(
            "/console/points/rules", data=_form(operator, mg_per_point="1000", daily_cap="800")
        )
        assert rules.status_code == 303
        assert "新积分规则已生效" in operator.get(rules.headers["location"]).text
        form: dict[str, str | list[str]] = {
            **_form(operator, **fields),
            "scenarios": ["cycling", "bus"],
        }
        created = operator.post("/console/points/campaigns", data=form)
        assert created.status_code == 303, created.text
        page = operator.get(created.headers["location"])
        card = page.text.split(f'id="campaign-{campaign_id}"')[1].split("</li>")[0]
        assert "× 1.5" in card and "bus, cycling" in card and "5,000" in card
        topped = operator.post(
            f"/console/points/campaigns/{campaign_id}/top-up",
            data=_form(operator, points="1000", key="k-1"),
        )
        again = operator.post(
            f"/console/points/campaigns/{campaign_id}/top-up",
            data=_form(operator, points="1000", key="k-1"),
        )
        assert topped.status_code == again.status_code == 303
        running = {c["id"]: c for c in httpx.get(f"{url}/api/v1/campaigns").json()}
        assert running[campaign_id]["budget_left"] == 6000  # the same form sent twice funds once
        bad = operator.post(
            "/console/points/campaigns",
            data=_form(operator, **{**fields, "multiplier": "double", "budget": "-5"}),
        )
        assert bad.status_code == 400
        assert "multiplier" in bad.text and "budget" in bad.text
        taken = operator.post("/console/points/campaigns", data=_form(operator, **fields))
        assert taken.status_code == 409 and "该活动标识已被使用" in taken.text
        closed = operator.post(
            f"/console/points/campaigns/{campaign_id}/close", data=_form(operator)
        )
        assert "已结束" in operator.get(closed.headers["location"]).text
    assert campaign_id not in {c["id"] for c in httpx.get(f"{url}/api/v1/campaigns").json()}


def test_a_campaign_past_its_end_shows_as_ended_with_the_day_its_budget_returns(
    served: Served,
) -> None:
    platform, url = served
    now = clock.now()
    ended = factories.add_campaign(
        platform, now, starts_at=now - timedelta(days=5), ends_at=now - timedelta(days=1)
    )
    with factories.operator_client(url, platform, ("points",)) as operator:
        page = operator.get("/console/points")
    card = page.text.split(f'id="campaign-{ended.id}"')[1].split("</li>")[0]
    assert "已到期，待结算" in card and "进行中" not in card
    returns = ended.ends_at + timedelta(days=platform.settings.retention_days)
    assert returns.astimezone(platform.settings.zone).strftime("%Y-%m-%d %H:%M") in card
