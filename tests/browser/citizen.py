"""Helpers of the citizen app's browser tests: a citizen with credited records, and the things
other parts of the platform offer them — rewards, donation projects, quiz questions, events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from carbonledger import clock, db
from carbonledger.client import PartnerClient
from carbonledger.donations import service as donations
from carbonledger.donations.rules import ProjectTerms
from carbonledger.engagement import events, quiz
from carbonledger.engagement import service as engagement
from carbonledger.engagement.rules import CHECKIN_BUDGET, QUIZ_BUDGET
from carbonledger.platform import Platform
from tests import factories

VERIFIED = "已在公开日志中验证"
PAGES = [
    "/app",
    "/app/ledger",
    "/app/links",
    "/app/rewards",
    "/app/points",
    "/app/activities",
    "/app/donations",
    "/app/account",
    "/app/account/delete",
    "/app/account/phone",
    "/app/appeals",
    "/app/notifications",
    "/app/lotteries",
]
"""Every page of the citizen app that needs a login."""


def log_in(page: Any, url: str, phone: str, password: str = factories.PASSWORD) -> None:
    """Log in through the login form."""
    page.goto(f"{url}/app/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/app")


def credited_citizen(platform: Platform, url: str, trips: int = 2) -> tuple[str, str, list[int]]:
    """A citizen with a password, linked at a new partner that sends `trips` cycling trips;
    returns (citizen id, phone, leaf indexes of the credits)."""
    citizen_id, phone = factories.new_citizen(platform, factories.PASSWORD)
    made = factories.add_partner(platform)
    factories.link(platform, made.id, "rider", citizen_id)
    start = clock.now() - timedelta(hours=1)
    records = [
        factories.record(user="rider", start=start - timedelta(hours=2 * n)) for n in range(trips)
    ]
    with PartnerClient(url, made.id, made.key) as client:
        results = client.submit(records).json()["results"]
    assert [r["status"] for r in results] == ["accepted"] * trips, results
    return citizen_id, phone, [r["leaf_index"] for r in results]


def add_reward(platform: Platform, price: int = 200) -> str:
    """A metro top-up from a new merchant."""
    merchant = factories.add_partner(platform, role="merchant")
    return factories.add_reward(
        platform,
        merchant.id,
        kind="metro_topup",
        name_zh="地铁充值 5 元",
        name_en="Metro top-up ¥5",
        price=price,
    )


def add_project(platform: Platform) -> str:
    """A tree-planting project: 100 points a tree, 100 trees to plant."""
    terms = ProjectTerms(
        "tree_planting", "奥森植树", "Trees in Olympic Forest Park", "棵", "tree", 100, 10_000
    )
    with db.write(platform.engine) as conn:
        return donations.create_project(conn, terms, None, clock.now())


def add_question(platform: Platform) -> str:
    """A quiz question (the right answer is the second choice) and a funded quiz budget."""
    now = clock.now()
    with db.write(platform.engine) as conn:
        engagement.fund_budget(conn, QUIZ_BUDGET, 1000, f"quiz-{now.isoformat()}", now)
        return quiz.add_question(
            conn,
            prompt_zh="骑行 4 公里大约减排多少？",
            prompt_en="About how much does a 4 km ride save?",
            choices_zh=["20 克", "200 克", "2 千克"],
            choices_en=["20 g", "200 g", "2 kg"],
            answer=1,
            now=now,
        )


def fund_check_ins(platform: Platform, points: int = 1000) -> None:
    now = clock.now()
    with db.write(platform.engine) as conn:
        engagement.fund_budget(conn, CHECKIN_BUDGET, points, f"checkin-{now.isoformat()}", now)


def add_event(platform: Platform, starts_in: timedelta, name: str = "河道清洁") -> tuple[str, str]:
    """A two-hour volunteer event starting `starts_in` from now (negative: under way); returns
    (event id, attendance code)."""
    now = clock.now()
    starts = now + starts_in
    new = events.NewEvent(
        "river_cleanup",
        name,
        f"River clean-up {name}",
        "通惠河",
        starts,
        starts + timedelta(hours=2),
        10,
        15,
        300,
    )
    with db.write(platform.engine) as conn:
        at = min(now, starts - timedelta(hours=1))
        return events.create_event(conn, platform.keys, new, None, at)


def sign_up(platform: Platform, event_id: str, citizen_id: str, at: Any) -> None:
    with db.write(platform.engine) as conn:
        events.sign_up(conn, event_id, citizen_id, at)
