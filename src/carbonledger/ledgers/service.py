"""The three ledgers and the dashboard, assembled from the ledger repository's rollups.

- personal (个人): a citizen's totals, by scenario and by day, and every entry with its status
  and reason;
- enterprise (企业, PARTNER_API.md §4): one partner's records by status, grams, points and
  distinct citizens per day and scenario — never another partner's;
- government (政府): region × scenario × partner × day, participants and the points flow;
- the public dashboard: the city's totals, by scenario, district and platform, the daily trend
  and the points flow, with no personal data.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from carbonledger.errors import InvalidInput
from carbonledger.ledgers import figures
from carbonledger.ledgers import repository as repo
from carbonledger.points.ledger import balance
from carbonledger.points.postings import citizen_account
from carbonledger.translog import sequencer

MAX_RANGE_DAYS = 366
TREND_DAYS = 30
_KEY_FIELDS = ("day", "region", "scenario", "partner")
_PERSONAL = ("records", "reduction_mg", "points")


def check_range(first: date, last: date) -> None:
    if last < first:
        raise InvalidInput("`to` must not be before `from`", code="invalid_range")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise InvalidInput(
            f"a ledger covers at most {MAX_RANGE_DAYS} days; ask for a shorter range",
            code="invalid_range",
        )


def _keyed(rows: list[Any]) -> list[tuple[dict[str, Any], dict[str, int]]]:
    return [
        (
            {
                "day": row.day,
                "region": row.region,
                "scenario": row.scenario,
                "partner": row.partner_id,
            },
            repo.counts_of(row),
        )
        for row in rows
    ]


def _flow(
    conn: Connection, zone: ZoneInfo, first: date | None, last: date | None
) -> dict[str, int]:
    moves = (
        (row.hour.astimezone(zone).date(), row.debit_kind, row.credit_kind, int(row.amount))
        for row in repo.flow_rows(conn)
    )
    return figures.points_flow(moves, first, last)


def _participants(
    conn: Connection, first: date | None, last: date | None, region_prefix: str | None
) -> dict[str, int]:
    joined = repo.participants_joined(conn, last, region_prefix)
    return {
        "participants": sum(int(row.joined) for row in joined),
        "new_participants": sum(
            int(row.joined) for row in joined if first is None or row.day >= first
        ),
    }


def enterprise(conn: Connection, partner_id: str, first: date, last: date) -> dict[str, Any]:
    check_range(first, last)
    keyed = _keyed(repo.rollup_rows(conn, first, last, partner_id=partner_id))
    cells: dict[tuple[date, str], dict[str, int]] = {}
    for key, counts in keyed:
        figures.add(cells.setdefault((key["day"], key["scenario"]), figures.zero()), counts)
    citizens = repo.distinct_citizens(conn, partner_id, first, last)
    days = [
        {
            "day": day.isoformat(),
            "scenario": scenario,
            **{name: sums[name] for name in figures.COUNTS},
            "citizens": citizens.get((day, scenario), 0),
        }
        # Records rejected before their scenario was known have scenario "": a row of their
        # own, so that the days add up to the totals.
        for (day, scenario), sums in sorted(cells.items())
    ]
    return {
        "partner": partner_id,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": days,
        "totals": {
            name: value
            for name, value in figures.total(c for _, c in keyed).items()
            if name != "citizen_days"
        },
    }


def _sections(
    conn: Connection, first: date | None, last: date | None, region_prefix: str | None
) -> dict[str, Any]:
    """Totals and sums by scenario, region, partner and day, each grouped by the database."""
    [totals] = repo.grouped_counts(conn, None, first, last, region_prefix)
    return {
        "totals": {**totals, **_participants(conn, first, last, region_prefix)},
        **{
            f"by_{by}": repo.grouped_counts(conn, by, first, last, region_prefix)
            for by in ("scenario", "region", "partner")
        },
    }


def government(
    conn: Connection,
    zone: ZoneInfo,
    first: date,
    last: date,
    region_prefix: str | None,
    *,
    rows: bool = True,
) -> dict[str, Any]:
    """The government ledger; `rows` adds the full region × scenario × partner × day cube."""
    check_range(first, last)
    by_day = repo.grouped_counts(conn, "day", first, last, region_prefix)
    ledger = {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "region": region_prefix,
        **_sections(conn, first, last, region_prefix),
        "by_day": [{**row, "day": row["day"].isoformat()} for row in by_day],
        "points": _flow(conn, zone, first, last),
    }
    if rows:
        keyed = _keyed(repo.rollup_rows(conn, first, last, region_prefix=region_prefix))
        ledger["rows"] = [
            {**{k: (v.isoformat() if k == "day" else v) for k, v in key.items()}, **counts}
            for key, counts in sorted(keyed, key=lambda kc: tuple(kc[0][f] for f in _KEY_FIELDS))
        ]
    return ledger


def dashboard(conn: Connection, zone: ZoneInfo, today: date) -> dict[str, Any]:
    """The public dashboard's figures: all-time totals and a 30-day trend."""
    since = today - timedelta(days=TREND_DAYS - 1)
    trend = {row["day"]: row for row in repo.grouped_counts(conn, "day", since, None)}
    return {
        "as_of": today.isoformat(),
        # How many log leaves these figures stand for, so an audit can add up exactly those.
        "log_size": sequencer.head(conn).size,
        **_sections(conn, None, None, None),
        "trend": [
            {**trend.get(day, {"day": day, **figures.zero()}), "day": day.isoformat()}
            for day in (since + timedelta(days=n) for n in range(TREND_DAYS))
        ],
        "points": _flow(conn, zone, None, None),
    }


def dashboard_marks(conn: Connection, zone: ZoneInfo, now: datetime) -> tuple[Any, ...]:
    """A cheap token that changes whenever the dashboard's figures may have changed (a new
    record, transfer or log leaf, or a new local day); the figures themselves cost O(rollups)."""
    return (*repo.change_marks(conn), today_in(zone, now))


def _entry(row: Any) -> dict[str, Any]:
    return {
        "record": row.id,
        "partner": row.partner_id,
        "scenario": row.scenario,
        "day": row.day.isoformat(),
        "occurred_at": row.occurred_at.isoformat() if row.occurred_at else None,
        "quantity": (
            row.credited_milli if row.credited_milli is not None else row.quantity_milli or 0
        )
        / 1000,
        "status": row.status,
        "reason": row.reason,
        "duplicate_of": row.duplicate_of,
        "reduction_mg": int(row.reduction_mg),
        "points": int(row.points),
        "methodology": row.methodology,
        "leaf_index": row.leaf_index,
        "capped": bool(row.capped),
        "reversal_leaf": row.reversal_leaf,
        "points_clawed_back": int(row.points_clawed_back or 0),
    }


def personal(
    conn: Connection, citizen_id: str, limit: int, before: str | None = None
) -> dict[str, Any]:
    """A citizen's own ledger: totals, by scenario, by day, and a page of entries."""
    by_status = dict.fromkeys(("accepted", "duplicate", "pending", "rejected"), 0)
    scenarios: dict[str, dict[str, int]] = {}
    days: dict[date, dict[str, int]] = {}
    for row in repo.citizen_totals(conn, citizen_id):
        by_status[row.status] = by_status.get(row.status, 0) + int(row.records)
        # Only standing credits count: a reversed credit is `rejected` / `reversed`.
        credited = row.status == "accepted"
        for bucket in (
            scenarios.setdefault(row.scenario or "", dict.fromkeys(_PERSONAL, 0)),
            days.setdefault(row.day, dict.fromkeys(_PERSONAL, 0)),
        ):
            bucket["records"] += int(row.records) if credited else 0
            bucket["reduction_mg"] += int(row.reduction_mg) if credited else 0
            bucket["points"] += int(row.points) if credited else 0
    entries, next_before = citizen_entries(conn, citizen_id, limit, before)
    return {
        "citizen": citizen_id,
        "totals": {
            **by_status,
            "reduction_mg": sum(d["reduction_mg"] for d in days.values()),
            "points_earned": sum(d["points"] for d in days.values()),
            "balance": balance(conn, citizen_account(citizen_id)),
        },
        "by_scenario": [{"scenario": s, **v} for s, v in sorted(scenarios.items()) if s],
        "by_day": [{"day": d.isoformat(), **v} for d, v in sorted(days.items())],
        "entries": entries,
        "next_before": next_before,
    }


def citizen_entries(
    conn: Connection, citizen_id: str, limit: int, before: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the citizen's entries, newest behaviour first, and the `before` of the next
    page."""
    rows = repo.citizen_entries(conn, citizen_id, limit + 1, before)
    return [_entry(row) for row in rows[:limit]], rows[limit - 1].id if len(rows) > limit else None


def today_in(zone: ZoneInfo, now: datetime) -> date:
    return now.astimezone(zone).date()
