"""The three ledgers and the dashboard on SQLite and PostgreSQL, checked against a recomputation
from the records: enterprise figures per day and scenario with distinct citizens, the government
ledger's totals and participants, the points flow, a citizen's own ledger, and no personal data
on the dashboard."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.ingest.crediting import reverse
from carbonledger.ingest.tables import records
from carbonledger.ledgers import service
from carbonledger.platform import Platform
from tests import factories
from tests.factories import record
from tests.integration.helpers import rollups_match_records, submit

_COUNTED = ("accepted", "duplicate", "pending", "rejected", "reduction_mg")


def _city(platform: Platform) -> tuple[str, str, list[str]]:
    """Two partners, three citizens, trips reported twice, steps, an unlinked user."""
    bike, maps = factories.add_partner(platform), factories.add_partner(platform)
    citizens = [factories.add_citizen(platform) for _ in range(3)]
    for n, citizen in enumerate(citizens):
        factories.link(platform, bike.id, f"b{n}", citizen)
        factories.link(platform, maps.id, f"m{n}", citizen)
    start = clock.now() - timedelta(hours=3)
    submit(
        platform,
        bike.id,
        [record("cycling", user=f"b{n}", start=start + timedelta(minutes=n)) for n in range(3)]
        + [record("cycling", user="b0", start=start - timedelta(days=1))]
        + [record("cycling", user="nobody", start=start)],
    )
    submit(
        platform,
        maps.id,
        [
            record("cycling", user="m0", start=start),  # the same trip as bike's b0: duplicate
            record("walking", user="m1", quantity=8000, start=start),
        ],
    )
    return bike.id, maps.id, citizens


def _today(platform: Platform) -> date:
    return service.today_in(platform.settings.zone, clock.now())


def _recomputed(platform: Platform, partner_id: str) -> dict[tuple[str, str], dict[str, int]]:
    cells: dict[tuple[str, str], dict[str, int]] = {}
    with db.read(platform.engine) as conn:
        for row in conn.execute(select(records).where(records.c.partner_id == partner_id)):
            cell = cells.setdefault(
                (row.day.isoformat(), row.scenario),
                {"accepted": 0, "duplicate": 0, "pending": 0, "rejected": 0, "reduction_mg": 0},
            )
            cell[row.status] += 1
            cell["reduction_mg"] += row.reduction_mg if row.status == "accepted" else 0
    return cells


def test_the_enterprise_ledger_equals_its_records(platform: Platform) -> None:
    bike, maps, _ = _city(platform)
    today = _today(platform)
    for partner_id in (bike, maps):
        with db.read(platform.engine) as conn:
            ledger = service.enterprise(conn, partner_id, today - timedelta(days=3), today)
        got = {
            (d["day"], d["scenario"]): {
                k: d[k] for k in ("accepted", "duplicate", "pending", "rejected", "reduction_mg")
            }
            for d in ledger["days"]
        }
        assert got == _recomputed(platform, partner_id)
        assert ledger["partner"] == partner_id
    with db.read(platform.engine) as conn:
        ledger = service.enterprise(conn, bike, today - timedelta(days=3), today)
    citizens = {(d["day"], d["scenario"]): d["citizens"] for d in ledger["days"]}
    assert max(citizens.values()) == 3
    assert ledger["totals"]["pending"] == 1


def test_the_government_ledger_counts_participants_and_the_points_flow(platform: Platform) -> None:
    bike, maps, _ = _city(platform)
    today = _today(platform)
    with db.read(platform.engine) as conn:
        ledger = service.government(
            conn, platform.settings.zone, today - timedelta(days=3), today, None
        )
        credited = conn.execute(
            select(records.c.reduction_mg, records.c.points).where(records.c.status == "accepted")
        ).all()
    totals = ledger["totals"]
    assert totals["participants"] == 3
    assert totals["accepted"] == len(credited)
    assert totals["reduction_mg"] == sum(r.reduction_mg for r in credited)
    assert ledger["points"]["issued"] == sum(r.points for r in credited)
    assert ledger["points"]["outstanding"] == sum(r.points for r in credited)
    assert {row["partner"] for row in ledger["by_partner"]} == {bike, maps}
    assert sum(row["accepted"] for row in ledger["rows"]) == totals["accepted"]
    rollups_match_records(platform)


def test_a_reversal_moves_the_figures_and_keeps_participation(platform: Platform) -> None:
    _city(platform)
    with db.read(platform.engine) as conn:
        first = conn.execute(select(records).where(records.c.status == "accepted")).first()
    assert first is not None
    with db.write(platform.engine) as conn:
        reverse(conn, platform, first.id, "reported in error", clock.now())
    today = _today(platform)
    with db.read(platform.engine) as conn:
        ledger = service.government(
            conn, platform.settings.zone, today - timedelta(days=3), today, None
        )
        mine = service.personal(conn, first.citizen_id, 50)
    assert ledger["points"]["clawed_back"] == first.points
    assert ledger["totals"]["participants"] == 3
    entry = next(e for e in mine["entries"] if e["record"] == first.id)
    assert (entry["status"], entry["reason"]) == ("rejected", "reversed")
    rollups_match_records(platform)


def test_a_citizens_ledger_is_theirs_alone_and_pages(platform: Platform) -> None:
    _, _, citizens = _city(platform)
    with db.read(platform.engine) as conn:
        own = [
            row.id
            for row in conn.execute(
                select(records.c.id)
                .where(records.c.citizen_id == citizens[0])
                .order_by(records.c.occurred_at.desc(), records.c.id.desc())
            )
        ]
        first_page = service.personal(conn, citizens[0], 2)
        rest = service.personal(conn, citizens[0], 50, first_page["next_before"])
    shown = [e["record"] for e in first_page["entries"] + rest["entries"]]
    assert shown == own  # newest behaviour first, however they arrived
    assert first_page["totals"]["accepted"] == sum(d["records"] for d in first_page["by_day"])
    assert first_page["totals"]["balance"] == first_page["totals"]["points_earned"]


def test_the_dashboard_carries_no_personal_data(platform: Platform) -> None:
    _, _, citizens = _city(platform)
    with db.read(platform.engine) as conn:
        figures = service.dashboard(conn, platform.settings.zone, _today(platform))
    text = json.dumps(figures, ensure_ascii=False)
    for secret in (*citizens, "b0", "m1", "nobody", "市民"):
        assert f'"{secret}"' not in text and secret not in text.replace(" ", "")
    assert figures["totals"]["participants"] == 3
    assert len(figures["trend"]) == service.TREND_DAYS
    assert sum(d["accepted"] for d in figures["trend"]) == figures["totals"]["accepted"]


def test_the_enterprise_days_add_up_to_its_totals_with_unnamed_rejections(
    platform: Platform,
) -> None:
    bike, _, _ = _city(platform)
    submit(platform, bike, [record("teleporting", user="b1"), record("walking", user="b2")])
    today = _today(platform)
    with db.read(platform.engine) as conn:
        ledger = service.enterprise(conn, bike, today - timedelta(days=3), today)
    for name in _COUNTED:
        assert sum(d[name] for d in ledger["days"]) == ledger["totals"][name], name
    unnamed = [d for d in ledger["days"] if d["scenario"] == ""]
    assert [d["rejected"] for d in unnamed] == [1]


def test_points_for_a_credit_count_on_the_behaviours_day_not_the_day_posted(
    platform: Platform,
) -> None:
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "late", citizen)
    today = _today(platform)
    long_ago = clock.now() - timedelta(days=5)  # sent today, about a ride five days ago
    [result] = submit(platform, partner.id, [record("cycling", user="late", start=long_ago)])
    assert result.status.value == "accepted"
    then = long_ago.astimezone(platform.settings.zone).date()
    with db.read(platform.engine) as conn:
        that_day = service.government(conn, platform.settings.zone, then, then, None)
        posted_day = service.government(conn, platform.settings.zone, today, today, None)
    assert that_day["totals"]["points"] > 0
    assert that_day["points"]["issued"] == that_day["totals"]["points"]
    assert posted_day["points"]["issued"] == 0
