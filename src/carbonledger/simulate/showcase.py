"""What the demo city offers besides behaviour, set up as the operator and the merchants would
through the services: rewards in the merchants' catalogue, a car-free-day campaign in one
district and a clean-plate fortnight running now, a tree-planting project to donate to, funded
check-in and quiz budgets with a few bilingual questions, and an upcoming volunteer event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from carbonledger.donations import service as donations
from carbonledger.donations.rules import ProjectTerms
from carbonledger.engagement import events, quiz
from carbonledger.engagement import service as engagement
from carbonledger.engagement.rules import CHECKIN_BUDGET, QUIZ_BUDGET
from carbonledger.keys import Keys
from carbonledger.methodology.catalogue import Catalogue
from carbonledger.points import service as points
from carbonledger.points.campaigns import Campaign
from carbonledger.rewards import catalogue as rewards
from carbonledger.rewards.rules import Terms

DEMO_OPERATOR = "demo.admin"
CAMPAIGN_ID = "car-free-day"
CAMPAIGN_DISTRICT = "110105"  # one district of the city takes part in the car-free day
TREE_POINTS = 500  # one tree of the tree-planting project

# (merchant, kind, name_zh, name_en, price in points)
REWARDS = (
    ("metro", "metro_topup", "地铁充值5元", "Metro top-up ¥5", 1_000),
    ("bus", "bus_topup", "公交充值2元", "Bus top-up ¥2", 400),
    ("bikeshare", "bike_pass", "骑行月卡", "Monthly bike pass", 1_500),
    ("mall", "parking_voucher", "商圈停车券2小时", "Two hours' parking at the mall", 800),
    ("mall", "shop_coupon", "商圈购物券10元", "¥10 mall shopping coupon", 1_200),
)

QUESTIONS = (
    (
        "骑行1公里大约可减少多少克二氧化碳排放？",
        "About how many grams of CO2 does one kilometre by bike save?",
        ["5克", "51克", "510克"],
        ["5 g", "51 g", "510 g"],
        1,
    ),
    (
        "外卖时选择“不要餐具”属于哪类绿色行为？",
        "Ordering a takeaway without tableware is which kind of green behaviour?",
        ["绿色出行", "绿色餐饮", "绿色办公"],
        ["Green travel", "Green dining", "Green office"],
        1,
    ),
    (
        "两个计步应用同一天上报的步数会怎样计算？",
        "How are the steps two step counters report for the same day counted?",
        ["相加", "取较高者", "都不计"],
        ["Added up", "The higher total counts", "Neither counts"],
        1,
    ),
    (
        "碳普惠平台的积分记录在哪里可以公开验证？",
        "Where can anyone check the platform's credits?",
        ["公开的默克尔日志", "纸质档案", "无法验证"],
        ["The public Merkle log", "Paper files", "Nowhere"],
        0,
    ),
)


@dataclass(frozen=True, slots=True)
class Offers:
    """What the set-up created: the rewards (id, merchant, price), the project and the event."""

    rewards: list[tuple[str, str, int]]
    project_id: str
    event_id: str


def car_free_day(first_day: date, days: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day of the campaign, midnight to midnight: the last Sunday of the demo's days,
    or its middle day when they hold none."""
    within = [first_day + timedelta(days=offset) for offset in range(days)]
    sundays = [day for day in within if day.weekday() == 6]
    day = sundays[-1] if sundays else within[len(within) // 2]
    start = datetime.combine(day, time(0), zone)
    return start, start + timedelta(days=1)


def set_up(
    conn: Connection,
    keys: Keys,
    catalogue: Catalogue,
    window: tuple[datetime, datetime],
    now: datetime,
) -> Offers:
    """Create the rewards, the campaign, the project, the engagement budgets, the quiz and the
    event, in one transaction."""
    listed = []
    for merchant, kind, name_zh, name_en, price in REWARDS:
        terms = Terms(kind, name_zh, name_en, price, 100_000, 5, now, now + timedelta(days=90))
        listed.append((rewards.create(conn, merchant, terms, now).id, merchant, price))
    starts_at, ends_at = window
    campaigns = (
        Campaign(
            id=CAMPAIGN_ID,
            name_zh="无车日绿色出行双倍积分",
            name_en="Car-free day: double points for green travel",
            starts_at=starts_at,
            ends_at=ends_at,
            multiplier_permille=2000,
            scenarios=frozenset(),
            categories=frozenset({"green_travel"}),
            regions=frozenset({CAMPAIGN_DISTRICT}),
            budget=2_000_000,
        ),
        # One still running when the demo is served, so the citizen app has a campaign to show.
        Campaign(
            id="clean-plate-fortnight",
            name_zh="光盘行动双周积分加成",
            name_en="Clean-plate fortnight: half as many points again",
            starts_at=now - timedelta(days=7),
            ends_at=now + timedelta(days=7),
            multiplier_permille=1500,
            scenarios=frozenset({"clean_plate"}),
            categories=frozenset(),
            regions=frozenset(),
            budget=1_000_000,
        ),
    )
    for campaign in campaigns:
        points.create_campaign(conn, catalogue, campaign, DEMO_OPERATOR, now)
    project = ProjectTerms(
        "tree_planting",
        "城市绿化植树",
        "Tree planting in the city",
        "棵",
        "tree",
        TREE_POINTS,
        5_000_000,
    )
    project_id = donations.create_project(conn, project, DEMO_OPERATOR, now)
    engagement.fund_budget(conn, CHECKIN_BUDGET, 1_000_000, "demo-checkin", now)
    engagement.fund_budget(conn, QUIZ_BUDGET, 1_000_000, "demo-quiz", now)
    for prompt_zh, prompt_en, choices_zh, choices_en, answer in QUESTIONS:
        quiz.add_question(
            conn,
            prompt_zh=prompt_zh,
            prompt_en=prompt_en,
            choices_zh=choices_zh,
            choices_en=choices_en,
            answer=answer,
            now=now,
        )
    begins = datetime.combine(now.date() + timedelta(days=3), time(1), now.tzinfo)
    event_id, _ = events.create_event(
        conn,
        keys,
        events.NewEvent(
            "river_cleanup",
            "护城河清洁志愿活动",
            "Moat clean-up volunteer morning",
            "东便门 Dongbianmen",
            begins,
            begins + timedelta(hours=3),
            200,
            100,
            60_000,
        ),
        DEMO_OPERATOR,
        now,
    )
    return Offers(listed, project_id, event_id)
