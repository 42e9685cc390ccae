"""The demo city's points at work once behaviour is credited: citizens who took part redeem
rewards (merchants confirm some vouchers), donate to the tree-planting project, check in, answer
the day's quiz and sign up for the volunteer event — each through its service, one transaction
per group of citizens."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from carbonledger import db
from carbonledger.donations import service as donations
from carbonledger.engagement import events, quiz
from carbonledger.engagement import service as engagement
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points.postings import citizen_account
from carbonledger.rewards import service as rewards
from carbonledger.simulate.people import DEMO_CITIZEN
from carbonledger.simulate.showcase import TREE_POINTS, Offers

_GROUP = 200
_EVENT_PLACES = 120


def _act(
    conn: Connection,
    platform: Platform,
    offers: Offers,
    serial: int,
    citizen_id: str,
    now: datetime,
    done: Counter[str],
) -> None:
    """One engaged citizen's turn; whoever acts is decided by their number, so a rebuild of the
    same city does the same things."""
    zone = platform.settings.zone
    balance = ledger.balance(conn, citizen_account(citizen_id))
    affordable = [offer for offer in offers.rewards if offer[2] <= balance // 2]
    if affordable and (serial % 3 == 0 or serial == DEMO_CITIZEN):
        # The demo's own citizen takes the cheapest, so that a donation is left in reach too.
        pick = min if serial == DEMO_CITIZEN else max
        reward_id, merchant, price = pick(affordable, key=lambda offer: offer[2])
        redeemed = rewards.redeem(
            conn,
            platform.keys,
            citizen_id,
            reward_id,
            f"demo-{serial}",
            now,
            platform.settings.redemption_hold_minutes,
        )
        balance -= price
        done["redemptions"] += 1
        if serial % 2 == 0:
            rewards.confirm(conn, platform.keys, merchant, redeemed.code, now, zone)
            done["confirmed"] += 1
    donor = serial % 4 == 1 and balance >= 2 * TREE_POINTS
    if donor or (serial == DEMO_CITIZEN and balance >= TREE_POINTS):
        donations.donate(conn, citizen_id, offers.project_id, 1, f"demo-{serial}", now)
        done["donations"] += 1
    if serial % 2 == 0:
        engagement.check_in(conn, citizen_id, zone, now)
        done["check_ins"] += 1
    if serial % 10 == 0:
        for number, dealt in enumerate(quiz.todays_quiz(conn, citizen_id, zone, now).dealt):
            question = quiz.question(conn, dealt.question.id)
            # Most answers are right; now and then someone picks the next choice.
            wrong = (serial + number) % 4 == 0
            choice = (question.answer + wrong) % len(question.choices_zh)
            quiz.answer(conn, citizen_id, question.id, choice, zone, now)
            done["quiz_answers"] += 1
    if done["event_sign_ups"] < _EVENT_PLACES and serial % 7 == 0:
        events.sign_up(conn, offers.event_id, citizen_id, now)
        done["event_sign_ups"] += 1


def run(
    platform: Platform,
    offers: Offers,
    engaged: Sequence[tuple[int, str]],
    now: datetime,
    advance: Callable[[int], None],
) -> Counter[str]:
    """Give each engaged (serial, citizen id) their turn; return how many of each were done."""
    done: Counter[str] = Counter()
    for start in range(0, len(engaged), _GROUP):
        group = engaged[start : start + _GROUP]
        with db.write(platform.engine) as conn:
            for serial, citizen_id in group:
                _act(conn, platform, offers, serial, citizen_id, now, done)
        advance(len(group))
    return done
