"""Figures of the whole platform read from the database when `/metrics` is scraped: the log's
size and what is not yet signed, the age of the last checkpoint and of each witness's last
cosignature, pending records, and the points issued, redeemed and expired. Every query reads an
index or a small table, so a scrape costs the same after years of records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from carbonledger import clock, db
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from carbonledger.points.postings import EXPIRED, ISSUANCE
from carbonledger.points.tables import points_flow
from carbonledger.translog import publisher, sequencer
from carbonledger.translog import repository as log_repo
from carbonledger.translog.tables import cosignatures

# Points leave circulation towards these kinds of account, and enter it from issuance.
_REDEEMED_TO = "merchant"


def _age(now: datetime, then: datetime | None) -> float:
    return (now - then).total_seconds() if then is not None else float("nan")


def _witness_last_cosigned(conn: Connection, witness: str) -> datetime | None:
    at: datetime | None = conn.execute(
        select(cosignatures.c.created_at)
        .where(cosignatures.c.witness == witness)
        .order_by(cosignatures.c.size.desc())
        .limit(1)
    ).scalar()
    return at


def _points(conn: Connection) -> dict[str, int]:
    rows = conn.execute(
        select(
            points_flow.c.debit_kind, points_flow.c.credit_kind, func.sum(points_flow.c.amount)
        ).group_by(points_flow.c.debit_kind, points_flow.c.credit_kind)
    )
    totals = {"issued": 0, "redeemed": 0, "expired": 0}
    for debit, credit, amount in rows:
        if debit == ISSUANCE:
            totals["issued"] += int(amount)
        if credit == _REDEEMED_TO:
            totals["redeemed"] += int(amount)
        if credit == EXPIRED:
            totals["expired"] += int(amount)
    return totals


class DatabaseFigures(Collector):
    """A collector for one platform, asked once per scrape."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        now = clock.now()
        witnesses = publisher.configured_witnesses(self.platform.settings.witnesses)
        with db.read(self.platform.read_engine) as conn:
            head = sequencer.head(conn)
            latest = log_repo.latest_checkpoint(conn)
            pending = conn.execute(
                select(func.count()).select_from(records).where(records.c.status == "pending")
            ).scalar_one()
            names = [chosen.verifier.name for chosen in witnesses]
            cosigned = {name: _witness_last_cosigned(conn, name) for name in names}
            points = _points(conn)
        signed = latest.size if latest is not None else 0
        yield GaugeMetricFamily("carbonledger_log_size", "Leaves in the log", value=head.size)
        yield GaugeMetricFamily(
            "carbonledger_log_unsigned_leaves",
            "Leaves appended after the latest checkpoint",
            value=head.size - signed,
        )
        yield GaugeMetricFamily(
            "carbonledger_checkpoint_age_seconds",
            "Seconds since the latest checkpoint was signed",
            value=_age(now, latest.created_at if latest is not None else None),
        )
        ages = GaugeMetricFamily(
            "carbonledger_witness_cosignature_age_seconds",
            "Seconds since each configured witness last cosigned a checkpoint",
            labels=["witness"],
        )
        for name, at in cosigned.items():
            ages.add_metric([name], _age(now, at))
        yield ages
        yield GaugeMetricFamily(
            "carbonledger_pending_records", "Records waiting for a partner link", value=pending
        )
        moved = CounterMetricFamily(
            "carbonledger_points", "Points issued, redeemed and expired", labels=["flow"]
        )
        for name, amount in points.items():
            moved.add_metric([name], amount)
        yield moved
