"""The government's monthly report (月度报告), assembled from the government ledger. Pure.

Every section is a `Table` of rows (an item: a scenario, a district, a partner, a day, a month or
a points flow) and integer measures, so the CSV, XLSX and PDF writers share one shape and the
figures stay exactly the ledger's. Labels are bilingual: the report goes to a Chinese office and
to readers who are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

TREND_MONTHS = 6
COUNTS = ("accepted", "duplicate", "pending", "rejected")
FLOW_LABELS = {
    "issued": ("发放", "issued"),
    "clawed_back": ("撤销收回", "clawed back"),
    "redeemed": ("兑换核销", "redeemed"),
    "held": ("兑换待确认", "held for redemptions"),
    "donated": ("公益捐赠", "donated"),
    "spent_on_lotteries": ("抽奖", "spent on lotteries"),
    "expired": ("过期", "expired"),
    "budgeted": ("活动预算拨付", "campaign budgets"),
    "budget_returned": ("预算退回", "budgets returned"),
    "outstanding": ("市民账户余额", "outstanding"),
}


@dataclass(frozen=True, slots=True)
class Measure:
    """A column of figures: `kind` is `count`, `mg` (milligrams CO2e) or `points`."""

    key: str
    zh: str
    en: str
    kind: str = "count"


@dataclass(frozen=True, slots=True)
class Row:
    item: str
    label: str
    values: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    zh: str
    en: str
    item_zh: str
    item_en: str
    measures: tuple[Measure, ...]
    rows: tuple[Row, ...]

    def total(self, measure: str) -> int:
        return sum(row.values[measure] for row in self.rows)


@dataclass(frozen=True, slots=True)
class Proof:
    """The latest signed checkpoint when the report was made: every credit counted is a leaf
    of the log it commits to."""

    origin: str
    size: int
    root: str
    signed_at: datetime
    note: str
    verifier_key: str


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    month: date
    last_day: date
    region: str | None
    generated_at: datetime
    totals: Table
    by_scenario: Table
    by_region: Table
    by_partner: Table
    daily: Table
    monthly: Table
    points: Table
    proof: Proof | None

    @property
    def sections(self) -> tuple[Table, ...]:
        return (
            self.totals,
            self.by_scenario,
            self.by_region,
            self.by_partner,
            self.daily,
            self.monthly,
            self.points,
        )

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")


ACTIVITY = (
    Measure("accepted", "计入", "credited"),
    Measure("duplicate", "重复", "duplicate"),
    Measure("pending", "待关联", "pending"),
    Measure("rejected", "拒绝", "rejected"),
    Measure("reduction_mg", "减排量", "reduction", "mg"),
    Measure("points", "积分", "points", "points"),
)
TOTALS = (
    *ACTIVITY,
    Measure("participants", "累计参与人数", "participants to date"),
    Measure("new_participants", "本月新增参与", "new participants"),
)
TREND = (ACTIVITY[0], ACTIVITY[4], ACTIVITY[5])


def month_range(month: date) -> tuple[date, date]:
    """The first and last day of `month`."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def months_before(month: date, count: int) -> date:
    """The first day of the month `count` months before `month`."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def kg(milligrams: int) -> Decimal:
    return Decimal(milligrams) / Decimal(1_000_000)


def _values(source: Mapping[str, Any], measures: Iterable[Measure]) -> dict[str, int]:
    return {m.key: int(source.get(m.key, 0)) for m in measures}


def _table(
    key: str,
    titles: tuple[str, str, str, str],
    measures: tuple[Measure, ...],
    rows: Iterable[Row],
) -> Table:
    zh, en, item_zh, item_en = titles
    return Table(key, zh, en, item_zh, item_en, measures, tuple(rows))


def _daily(ledger: Mapping[str, Any], first: date, last: date) -> Table:
    days = {row["day"]: row for row in ledger["by_day"]}
    rows = []
    day = first
    while day <= last:
        rows.append(
            Row(day.isoformat(), day.isoformat(), _values(days.get(day.isoformat(), {}), ACTIVITY))
        )
        day += timedelta(days=1)
    return _table("daily", ("每日趋势", "Daily trend", "日期", "day"), ACTIVITY, rows)


def _monthly(history: Mapping[str, Any], month: date) -> Table:
    sums: dict[str, dict[str, int]] = {}
    for count in range(TREND_MONTHS - 1, -1, -1):
        sums[months_before(month, count).strftime("%Y-%m")] = dict.fromkeys(
            (m.key for m in TREND), 0
        )
    for row in history["by_day"]:
        bucket = sums.get(row["day"][:7])
        if bucket is not None:
            for measure in TREND:
                bucket[measure.key] += int(row[measure.key])
    rows = (Row(name, name, values) for name, values in sums.items())
    return _table("monthly", ("近六个月趋势", "Six-month trend", "月份", "month"), TREND, rows)


def assemble(
    ledger: Mapping[str, Any],
    history: Mapping[str, Any],
    *,
    month: date,
    generated_at: datetime,
    scenario_names: Mapping[str, tuple[str, str]],
    partner_names: Mapping[str, str],
    proof: Proof | None,
) -> MonthlyReport:
    """The report from the government ledger of the month (`ledger`) and of the six months up to
    it (`history`, for the trend)."""
    first, last = month_range(month)

    def named(code: str) -> str:
        zh, en = scenario_names.get(code, (code, code))
        return f"{zh} {en}"

    totals = Row("total", "合计 Total", _values(ledger["totals"], TOTALS))
    flows = [
        Row(name, f"{zh} {en}", {"points": int(ledger["points"].get(name, 0))})
        for name, (zh, en) in FLOW_LABELS.items()
    ]
    return MonthlyReport(
        month=first,
        last_day=last,
        region=ledger.get("region"),
        generated_at=generated_at,
        totals=_table("totals", ("本月合计", "Totals", "", ""), TOTALS, [totals]),
        by_scenario=_table(
            "by_scenario",
            ("按行为", "By scenario", "行为", "scenario"),
            ACTIVITY,
            (
                Row(r["scenario"], named(r["scenario"]), _values(r, ACTIVITY))
                for r in ledger["by_scenario"]
                if r["scenario"]
            ),
        ),
        by_region=_table(
            "by_region",
            ("按地区", "By district", "行政区划代码", "district code"),
            ACTIVITY,
            (Row(r["region"], r["region"], _values(r, ACTIVITY)) for r in ledger["by_region"]),
        ),
        by_partner=_table(
            "by_partner",
            ("按合作方", "By partner", "合作方", "partner"),
            ACTIVITY,
            (
                Row(
                    r["partner"],
                    partner_names.get(r["partner"], r["partner"]),
                    _values(r, ACTIVITY),
                )
                for r in ledger["by_partner"]
            ),
        ),
        daily=_daily(ledger, first, last),
        monthly=_monthly(history, first),
        points=_table(
            "points",
            ("积分流向（全市）", "Points flow (city-wide)", "流向", "flow"),
            (Measure("points", "积分", "points", "points"),),
            flows,
        ),
        proof=proof,
    )
