"""The demo city's carbon market: one lot of the demo's credits formed, objected to and
answered, signed by a verifier with its own key (kept in the data directory), issued, partly
sold to an enterprise with the revenue funding a running campaign, and partly sold to an event
organiser who retires it for the city marathon.

The demo compresses time: its credits were all credited minutes ago, so the lot uses a review
window and a notice period of zero days (a real lot keeps 30 and 7)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, timedelta

from carbonledger import clock, db
from carbonledger.errors import Conflict
from carbonledger.market import forming, lots, registry, signing, verifiers
from carbonledger.market import registry_repository as registry_repo
from carbonledger.platform import Platform
from carbonledger.translog import publisher

VERIFIER = "green-verify"
ENTERPRISE = "bj-green-power"
ORGANISER = "city-marathon"
FUNDED_CAMPAIGN = "clean-plate-fortnight"
_FEN_PER_TONNE = 4350  # about ¥43.5 a tonne, as the Hubei exchange paid
_MG_PER_TONNE = 1_000_000_000


@dataclass(frozen=True, slots=True)
class MarketDemo:
    lot: int
    units: int
    sold: int
    retired: int
    retirement: str


def _price(units: int, unit_mg: int) -> int:
    return units * unit_mg * _FEN_PER_TONNE // _MG_PER_TONNE


def run(
    platform: Platform, first: date, last: date, regions: list[str], operator: str
) -> MarketDemo | None:
    now = clock.now()
    start = max(first, date(last.year, 1, 1))
    terms = forming.LotTerms(
        start,
        last,
        tuple(s.code for s in platform.catalogue.scenarios),
        tuple(sorted(regions)),
        notice_days=0,
        review_days=0,
    )
    seed = signing.new_seed()
    key_file = platform.settings.data_dir / "verifiers" / f"{VERIFIER}.key"
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_file.write_text(base64.b64encode(seed).decode() + "\n")
    key_file.chmod(0o600)
    try:
        with db.read(platform.engine) as conn:
            planned = forming.plan(conn, terms, known_scenarios=list(terms.scenarios), now=now)
    except Conflict:
        return None  # a city with too few credits this year has no lot to show
    with db.write(platform.engine) as conn:
        number = forming.form(conn, planned, city=platform.settings.region, by=operator, now=now)
        objection = lots.object_to(
            conn,
            number,
            "地铁和公交的同一次出行会不会被重复计算？ Are metro and bus legs of one "
            "trip counted twice?",
            now,
        )
        lots.answer(
            conn,
            objection,
            "不会：跨合作方滤重按时间重叠判定，只计一次。No: overlapping "
            "trips across partners are credited once (dedupe).",
            operator,
            now,
        )
        verifiers.register(
            conn,
            VERIFIER,
            "绿色核证中心 Green Verification Centre",
            base64.b64encode(signing.public_key(seed)).decode(),
            operator,
            now,
        )
        manifest = lots.manifest_of(lots.get_lot(conn, number))
    signature = base64.b64encode(signing.sign(seed, manifest)).decode()
    with db.read(platform.engine) as conn:
        checked = verifiers.check(conn, number, VERIFIER, signature)
    with db.write(platform.engine) as conn:
        verifiers.store(conn, number, VERIFIER, checked, now)
        units, buffer = lots.issue(conn, number, operator, now)
        enterprise = registry.open_account(
            conn, ENTERPRISE, "enterprise", "京绿电力 BJ Green Power", now
        )
        organiser = registry.open_account(
            conn, ORGANISER, "organiser", "城市马拉松组委会 City Marathon", now
        )
        pool = units - buffer
        if pool < 2:  # too small a city to sell and retire: the lot stays issued, unsold
            retired = None
        else:
            # A small city still sells and retires something: at least one unit each.
            sold, event = max(pool * 3 // 10, 1), max(pool // 10, 1)
            registry.transfer(
                conn,
                number,
                sold,
                seller=registry_repo.POOL,
                buyer=enterprise,
                price_fen=_price(sold, manifest.unit_mg),
                funds=f"campaign:{FUNDED_CAMPAIGN}",
                now=now,
            )
            registry.transfer(
                conn,
                number,
                event,
                seller=registry_repo.POOL,
                buyer=organiser,
                price_fen=_price(event, manifest.unit_mg),
                funds=None,
                now=now,
            )
            retired = registry.retire(
                conn,
                number,
                event,
                holder=organiser,
                purpose="2026 城市马拉松碳中和 · 2026 city marathon, carbon neutral",
                beneficiary="城市马拉松 City Marathon",
                now=now,
            )
    publisher.publish_and_cosign(platform, clock.now() + timedelta(microseconds=1))
    if retired is None:
        return None
    return MarketDemo(number, units, sold, event, retired.id)
