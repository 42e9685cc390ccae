"""The citizen app's pages over HTTP, for what a browser test cannot easily show: every page asks
for a login, every form refuses a post without the session's CSRF token (with the page again,
never a JSON error or a stack trace), a login or registration posted from another site is
refused, refusals keep their status, and a citizen's pages show nobody else's data."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from carbonledger import db
from carbonledger.accounts import sessions
from carbonledger.accounts.tables import citizens
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from tests import factories
from tests.browser.citizen import PAGES, add_project

Served = tuple[Platform, str]
FORMS = [
    "/app/links/code",
    "/app/links/unlink",
    "/app/rewards/redeem",
    "/app/rewards/cancel",
    "/app/activities/checkin",
    "/app/activities/quiz",
    "/app/activities/sign-up",
    "/app/activities/withdraw",
    "/app/activities/attend",
    "/app/donations",
    "/app/account/delete",
    "/app/logout",
]


def _browser(url: str, platform: Platform) -> tuple[str, httpx.Client, str]:
    """A logged-in citizen as a browser holds them: the cookie, and the CSRF token of the page."""
    citizen_id, api = factories.citizen_client(url, platform)
    with api:
        csrf = api.headers[sessions.CSRF_HEADER]
        return citizen_id, httpx.Client(base_url=url, cookies=api.cookies, timeout=30), csrf


def _flash(response: httpx.Response) -> str:
    found = re.search(r'<p class="flash[^"]*"[^>]*>([^<]*)</p>', response.text)
    return found.group(1) if found else ""


@pytest.mark.parametrize("path", PAGES)
def test_each_page_asks_for_a_login(served: Served, path: str) -> None:
    _, url = served
    answer = httpx.get(url + path)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/app/login?next={path}"


@pytest.mark.parametrize("path", FORMS)
def test_each_form_refuses_a_post_without_the_csrf_token(served: Served, path: str) -> None:
    platform, url = served
    _, client, _ = _browser(url, platform)
    with client:
        answer = client.post(path, data={"csrf_token": "forged", "partner": "x", "confirm": "yes"})
        still = client.get("/app/account")
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert _flash(answer) == "页面已过期，请刷新后重试。"
    assert still.status_code == 200


@pytest.mark.parametrize("path", ["/app/login", "/app/register"])
def test_a_form_posted_from_another_site_is_refused(served: Served, path: str) -> None:
    platform, url = served
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    answer = httpx.post(
        url + path,
        data={"phone": phone, "password": factories.PASSWORD},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403
    assert sessions.COOKIE not in answer.cookies


def test_registration_lists_every_problem_and_keeps_what_was_typed(served: Served) -> None:
    _, url = served
    answer = httpx.post(
        f"{url}/app/register",
        data={"name": "张三", "id_number": "110105194912310021", "phone": "123", "password": "x"},
    )
    assert answer.status_code == 400
    flash = _flash(answer)
    assert flash.startswith("注册信息有误")
    for field in ("手机号", "身份证号", "密码"):
        assert field in flash
    assert not re.search("[A-Za-z]", flash), "a Chinese page shows no English"
    assert 'value="张三"' in answer.text
    assert 'value="x"' not in answer.text


def test_an_english_page_names_the_fields_to_fix_in_english(served: Served) -> None:
    _, url = served
    answer = httpx.post(
        f"{url}/app/register?lang=en",
        data={"name": "张三", "id_number": "110105194912310021", "phone": "123", "password": "x"},
    )
    assert answer.status_code == 400
    flash = _flash(answer)
    assert flash.startswith("Please check the registration")
    for field in ("phone:", "id_number:", "password:"):
        assert field in flash


def test_a_citizen_registers_in_the_district_chosen_and_must_choose_one(served: Served) -> None:
    platform, url = served
    serial = factories.next_serial()
    form = {
        "name": "张三",
        "id_number": factories.id_number(serial),
        "phone": factories.phone(serial),
        "password": factories.PASSWORD,
    }
    page = httpx.get(f"{url}/app/register")
    assert '<option value="110108">海淀区</option>' in page.text
    assert '<option value="110000">' not in page.text  # the city is not a district
    unchosen = httpx.post(f"{url}/app/register", data=form)
    assert unchosen.status_code == 400
    assert _flash(unchosen) == "注册信息有误：所在区。"
    made = httpx.post(f"{url}/app/register", data={**form, "region": "110108"})
    assert made.status_code == 303
    with db.read(platform.engine) as conn:
        region = conn.execute(
            select(citizens.c.region).order_by(citizens.c.id.desc()).limit(1)
        ).scalar_one()
    assert region == "110108"


def test_a_registered_phone_is_refused_with_409(served: Served) -> None:
    platform, url = served
    _, phone = factories.new_citizen(platform)
    serial = factories.next_serial()
    answer = httpx.post(
        f"{url}/app/register",
        data={
            "name": "张三",
            "id_number": factories.id_number(serial),
            "phone": phone,
            "password": factories.PASSWORD,
            "region": "110108",
        },
    )
    assert answer.status_code == 409
    assert _flash(answer) == "该手机号或身份证号已经注册过，请直接登录。"


def test_password_guessing_on_the_login_page_is_throttled(served: Served) -> None:
    platform, url = served
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    for _ in range(sessions.MAX_FAILURES):
        wrong = httpx.post(f"{url}/app/login", data={"phone": phone, "password": "guess-123"})
        assert wrong.status_code == 401
    locked = httpx.post(f"{url}/app/login", data={"phone": phone, "password": factories.PASSWORD})
    assert locked.status_code == 429
    assert _flash(locked).startswith("登录失败次数过多")
    assert sessions.COOKIE not in locked.cookies


def test_login_goes_to_the_page_asked_for_but_never_off_site(served: Served) -> None:
    platform, url = served
    _, phone = factories.new_citizen(platform, factories.PASSWORD)
    body = {"phone": phone, "password": factories.PASSWORD}
    inside = httpx.post(f"{url}/app/login", data={**body, "next": "/app/links"})
    outside = httpx.post(f"{url}/app/login", data={**body, "next": "//evil.example/"})
    assert (inside.status_code, inside.headers["location"]) == (303, "/app/links")
    assert (outside.status_code, outside.headers["location"]) == (303, "/app")


def test_deleting_needs_the_confirmation(served: Served) -> None:
    platform, url = served
    _, client, csrf = _browser(url, platform)
    with client:
        refused = client.post("/app/account/delete", data={"csrf_token": csrf})
        assert refused.status_code == 400
        assert _flash(refused) == "请勾选确认框。"
        assert client.get("/api/v1/me").status_code == 200
        done = client.post("/app/account/delete", data={"csrf_token": csrf, "confirm": "yes"})
        assert (done.status_code, done.headers["location"]) == (
            303,
            "/app/login?done=account_deleted",
        )
        assert client.get("/api/v1/me").status_code == 401


def test_a_link_code_for_an_unknown_partner_is_refused_on_the_page(served: Served) -> None:
    platform, url = served
    _, client, csrf = _browser(url, platform)
    with client:
        answer = client.post("/app/links/code", data={"csrf_token": csrf, "partner": "nobody"})
    assert answer.status_code == 404
    assert _flash(answer) == "没有这个合作方。"
    assert 'id="link-code"' not in answer.text


def test_my_pages_show_only_my_records(served: Served) -> None:
    platform, url = served
    mine, client, _ = _browser(url, platform)
    other = factories.add_citizen(platform)
    partner = factories.add_partner(platform)
    factories.link(platform, partner.id, "theirs", other)
    factories.link(platform, factories.add_partner(platform).id, "mine", mine)
    with PartnerClient(url, partner.id, partner.key) as sender:
        [result] = sender.submit([factories.record(user="theirs")]).json()["results"]
    assert result["status"] == "accepted"
    with client:
        pages = [client.get(path).text for path in PAGES]
    for page in pages:
        assert result["record"] not in page
        assert "theirs" not in page


def test_an_unknown_notice_shows_nothing(served: Served) -> None:
    _, url = served
    answer = httpx.get(f"{url}/app/login?done=<script>")
    assert _flash(answer) == ""
    assert "<script>" not in answer.text.split("<main", 1)[1]


def _balance(client: httpx.Client) -> int:
    points: int = client.get("/api/v1/me").json()["points"]
    return points


def _shopper(served: Served, points: int) -> tuple[httpx.Client, str, str]:
    """A logged-in citizen holding `points`, and a reward for 100 points."""
    platform, url = served
    citizen_id, client, csrf = _browser(url, platform)
    merchant = factories.add_partner(platform, role="merchant")
    factories.grant_points(platform, citizen_id, points)
    return client, csrf, factories.add_reward(platform, merchant.id, price=100)


def test_redeeming_without_enough_points_is_refused_on_the_page(served: Served) -> None:
    client, csrf, reward = _shopper(served, points=50)
    with client:
        answer = client.post(
            "/app/rewards/redeem", data={"csrf_token": csrf, "reward": reward, "key": "k-1"}
        )
        assert _balance(client) == 50
    assert answer.status_code == 409
    assert _flash(answer) == "积分不足。"


def test_a_reward_card_says_how_long_a_voucher_lasts_and_a_short_balance_disables_redeem(
    served: Served,
) -> None:
    client, _, reward = _shopper(served, points=50)
    with client:
        page = client.get("/app/rewards")
    card = page.text.split(f'id="reward-{reward}"')[1].split("</li>")[0]
    hours = served[0].settings.redemption_hold_minutes // 60
    assert f"兑换后请在 {hours} 小时内到商户使用" in card
    assert "可兑换至" in card and "有效期至" not in card
    assert re.search(r"<button type=\"submit\"[^>]* disabled>", card)


def test_a_resent_redeem_form_redeems_once(served: Served) -> None:
    client, csrf, reward = _shopper(served, points=500)
    form = {"csrf_token": csrf, "reward": reward, "key": "same-form"}
    with client:
        first = client.post("/app/rewards/redeem", data=form)
        again = client.post("/app/rewards/redeem", data=form)
        assert first.headers["location"] == again.headers["location"]
        assert first.headers["location"].startswith("/app/rewards?done=redeemed#redemption-")
        assert _balance(client) == 400
        assert len(client.get("/api/v1/me/redemptions").json()["redemptions"]) == 1


def test_a_resent_donation_form_donates_once(served: Served) -> None:
    platform, url = served
    citizen_id, client, csrf = _browser(url, platform)
    factories.grant_points(platform, citizen_id, 500)
    project = add_project(platform)
    form = {"csrf_token": csrf, "project": project, "units": "2", "key": "same-donation"}
    with client:
        for _ in range(2):
            answer = client.post("/app/donations", data=form)
            assert answer.headers["location"] == "/app/donations?done=donated#funded"
        assert _balance(client) == 300
        refused = client.post("/app/donations", data={**form, "units": "two", "key": "k-2"})
    assert refused.status_code == 400
    assert _flash(refused).startswith("请填写捐赠数量")
