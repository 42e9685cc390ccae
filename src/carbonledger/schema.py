"""Every table of the platform, imported so that `metadata` knows them all (for Alembic)."""

from carbonledger.accounts import tables as accounts_tables
from carbonledger.appeals import tables as appeals_tables
from carbonledger.db import metadata
from carbonledger.donations import tables as donations_tables
from carbonledger.engagement import tables as engagement_tables
from carbonledger.ingest import tables as ingest_tables
from carbonledger.lotteries import tables as lotteries_tables
from carbonledger.market import tables as market_tables
from carbonledger.methodology import tables as methodology_tables
from carbonledger.phone import tables as phone_tables
from carbonledger.points import tables as points_tables
from carbonledger.review import tables as review_tables
from carbonledger.rewards import tables as rewards_tables
from carbonledger.translog import tables as translog_tables

__all__ = [
    "accounts_tables",
    "appeals_tables",
    "donations_tables",
    "engagement_tables",
    "ingest_tables",
    "lotteries_tables",
    "market_tables",
    "metadata",
    "methodology_tables",
    "phone_tables",
    "points_tables",
    "review_tables",
    "rewards_tables",
    "translog_tables",
]
