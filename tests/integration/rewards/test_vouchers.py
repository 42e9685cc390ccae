"""Voucher codes at rest, on SQLite and PostgreSQL: with a reward's voucher and a lottery
prize's voucher issued, no table holds either code (nor does the SQLite file), yet the citizen is
shown both and the merchant confirms each by its code, as typed at a till."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import make_url

from carbonledger import clock, db
from carbonledger.accounts.export import export
from carbonledger.errors import CarbonLedgerError
from carbonledger.lotteries import prizes
from carbonledger.platform import Platform
from carbonledger.rewards import service, vouchers
from carbonledger.web.citizen.notifications import notices
from tests import factories
from tests.integration.helpers import holders
from tests.integration.rewards.test_redemptions import confirm, redeem


@dataclass(frozen=True)
class Held:
    """A citizen holding a reward's voucher and a prize's voucher of one merchant's."""

    merchant: str
    citizen: str
    voucher: str
    prize: str


@pytest.fixture
def held(platform: Platform) -> Held:
    merchant, citizen, reward = factories.shop(platform)
    voucher = redeem(platform, citizen, reward).code
    factories.won_prize(platform, merchant, citizen)
    with db.read(platform.engine) as conn:
        [won] = prizes.of_citizen(conn, citizen)
    return Held(merchant, citizen, voucher, vouchers.shown(platform.keys, won))


def _database_files(platform: Platform) -> list[Path]:
    database = Path(str(make_url(platform.settings.url).database))
    return [database, *(Path(f"{database}{suffix}") for suffix in ("-wal", "-shm"))]


def test_no_table_holds_a_voucher_code(platform: Platform, held: Held) -> None:
    assert "redemptions.partner_id" in holders(platform.engine, held.merchant)  # the scan sees
    for code in (held.voucher, held.prize):
        assert holders(platform.engine, code) == []
        if platform.engine.dialect.name == "sqlite":
            files = [path for path in _database_files(platform) if path.exists()]
            assert all(code.encode() not in path.read_bytes() for path in files)


def test_the_citizen_is_shown_the_codes_they_hold(platform: Platform, held: Held) -> None:
    keys, zone, now = platform.keys, platform.settings.zone, clock.now()
    with db.read(platform.engine) as conn:
        [redemption] = service.redemptions_of(conn, held.citizen)
        document = export(conn, keys, held.citizen, zone, now)
        # Vouchers are noticed in their last hours.
        due = notices(conn, keys, held.citizen, zone, redemption.expires_at)
    assert vouchers.shown(keys, redemption) == held.voucher
    assert [r["voucher"] for r in document["redemptions"]] == [held.voucher]
    assert [p["voucher_code"] for p in document["prizes"]] == [held.prize]
    assert not {"voucher_hash", "voucher_enc"} & set(document["prizes"][0])
    assert [n["code"] for n in due if n["kind"] == "voucher"] == [held.voucher]


def test_the_merchant_confirms_a_code_as_typed_and_a_wrong_one_is_refused(
    platform: Platform, held: Held
) -> None:
    typed = "-".join((held.voucher[:4].lower(), held.voucher[4:8], f" {held.voucher[8:]} "))
    assert confirm(platform, held.merchant, typed).state == "confirmed"
    with db.write(platform.engine) as conn:
        handed = prizes.confirm(conn, platform.keys, held.merchant, held.prize.lower(), clock.now())
    assert handed.state == "confirmed"
    other = factories.add_partner(platform, role="merchant").id
    for merchant, code, refusal in (
        (held.merchant, "NOSUCHCODE12", "unknown_voucher"),
        (other, held.voucher, "unknown_voucher"),
        (held.merchant, held.voucher, "already_confirmed"),
    ):
        with pytest.raises(CarbonLedgerError) as refused:
            confirm(platform, merchant, code)
        assert refused.value.code == refusal
    with db.read(platform.engine) as conn, pytest.raises(CarbonLedgerError) as unknown:
        service.voucher(conn, platform.keys, held.merchant, "NOSUCHCODE12")
    assert unknown.value.message == (
        "no voucher 'NOSUCHCODE12' was issued for this merchant's rewards"
    )
    with db.read(platform.engine) as conn:
        assert prizes.find(conn, platform.keys, held.merchant, "NOSUCHCODE12") is None
        assert prizes.find(conn, platform.keys, other, held.prize) is None
