"""The migrations build exactly the schema the table modules declare, on SQLite and PostgreSQL:
a table, column, index or constraint added to one but not the other fails here. And a revision
that converts stored rows converts rows stored by the revision before it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from carbonledger import db, migrate
from carbonledger.accounts import service as accounts
from carbonledger.keys import Keys
from carbonledger.lotteries import prizes
from carbonledger.platform import Platform
from carbonledger.points.engagement import hash_attendance_code
from carbonledger.rewards import service as rewards
from carbonledger.rewards import vouchers
from carbonledger.schema import metadata
from tests.integration.helpers import holders


def test_migrations_match_the_declared_tables(platform: Platform) -> None:
    with db.read(platform.engine) as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = [
            difference
            for difference in compare_metadata(context, metadata)
            if not (
                isinstance(difference, tuple)
                and difference[0] == "remove_table"
                and difference[1].name == "alembic_version"
            )
        ]
    assert differences == []


# Rows as revision 0012 stored them: voucher codes in plain text, link and attendance codes as
# their bare SHA-256.
VOUCHER, PRIZE, LINK, ATTENDANCE = "7K3Q9PXA2M4T", "8N5R2WXB3P6V", "K7Q2M9XD", "4HT8ZQ2M"
_AT = "'2026-11-01 08:00:00'"
_OLD_ROWS = (
    "INSERT INTO partners (id, name, role, public_key, status, created_at)"
    f" VALUES ('mall', 'Mall', 'both', :key, 'active', {_AT})",
    "INSERT INTO citizens (id, region, status, created_at)"
    f" VALUES ('c1', '110000', 'active', {_AT})",
    "INSERT INTO rewards (id, partner_id, kind, name_zh, name_en, price, stock, valid_from,"
    " valid_until, status, created_at, updated_at) VALUES ('r1', 'mall', 'shop_coupon', '券',"
    f" 'Coupon', 100, 9, {_AT}, '2027-11-01 08:00:00', 'active', {_AT}, {_AT})",
    "INSERT INTO redemptions (id, reward_id, partner_id, citizen_id, idempotency_key,"
    " voucher_code, points, state, created_at, expires_at) VALUES ('d1', 'r1', 'mall', 'c1',"
    f" 'k-1', '{VOUCHER}', 100, 'reserved', {_AT}, '2027-11-01 08:00:00')",
    "INSERT INTO lotteries (id, name_zh, name_en, daily_entries, opens_at, closes_at,"
    " one_per_account, status, seed_enc, commitment, terms_digest, commit_leaf, created_by,"
    f" created_at) VALUES ('l1', '抽奖', 'Lottery', 1, {_AT}, {_AT}, true, 'drawn', :key, 'c',"
    f" 't', 0, 'op', {_AT})",
    "INSERT INTO prize_vouchers (lottery_id, slot, citizen_id, merchant_id, prize_id, name,"
    f" voucher_code, state, issued_at) VALUES ('l1', 1, 'c1', 'mall', 'p1', 'Helmet', '{PRIZE}',"
    f" 'issued', {_AT})",
    "INSERT INTO link_codes (code, citizen_id, partner_id, expires_at)"
    f" VALUES ('{hashlib.sha256(LINK.encode()).hexdigest()}', 'c1', 'mall', {_AT})",
    "INSERT INTO events (id, kind, name_zh, name_en, place, starts_at, ends_at, capacity,"
    " points_per_hour, attendance_code_hash, created_at) VALUES ('e1', 'river_cleanup', '清河',"
    f" 'River', '河', {_AT}, '2026-11-01 10:00:00', 10, 10, :attendance, {_AT})",
)


def _stored(engine: Engine, sql: str) -> Any:
    with db.read(engine) as conn:
        return conn.execute(text(sql)).one()


def test_0013_keeps_the_stored_codes_only_keyed_and_encrypted(
    bare_engine: Engine, tmp_path: Path
) -> None:
    keys = Keys.load(tmp_path / "secrets")
    migrate.upgrade(bare_engine, keys, "0012")
    attendance = hashlib.sha256(ATTENDANCE.encode()).digest()
    with db.write(bare_engine) as conn:
        for statement in _OLD_ROWS:
            conn.execute(text(statement), {"key": bytes(32), "attendance": attendance})
    migrate.upgrade(bare_engine, keys)

    for secret in (VOUCHER, PRIZE, LINK, ATTENDANCE):
        assert holders(bare_engine, secret) == [], secret
    with db.read(bare_engine) as conn:
        # The merchant still finds both vouchers by their codes, as typed at a till.
        assert rewards.voucher(conn, keys, "mall", "7k3q-9pxa-2m4t").id == "d1"
        prize = prizes.find(conn, keys, "mall", PRIZE.lower())
        assert prize is not None and vouchers.shown(keys, prize) == PRIZE
        redemption = rewards.mine(conn, "c1", "d1")
    assert vouchers.shown(keys, redemption) == VOUCHER
    link = _stored(bare_engine, "SELECT code FROM link_codes")
    assert link.code == accounts.link_code_digest(keys, LINK)
    event = _stored(bare_engine, "SELECT attendance_code_hash FROM events")
    assert bytes(event.attendance_code_hash) == hash_attendance_code(keys.hash_key, ATTENDANCE)

    migrate.downgrade(bare_engine, keys, "0012")
    assert _stored(bare_engine, "SELECT voucher_code FROM redemptions").voucher_code == VOUCHER
    assert _stored(bare_engine, "SELECT voucher_code FROM prize_vouchers").voucher_code == PRIZE
    assert _stored(bare_engine, "SELECT count(*) AS live FROM link_codes").live == 0
    migrate.upgrade(bare_engine, keys)
    assert holders(bare_engine, VOUCHER) == holders(bare_engine, PRIZE) == []
