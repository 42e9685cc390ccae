"""The partner portal over real HTTP: staff log in with the partner id and the access key the
operator issued, see their own enterprise ledger and records and nobody else's, rotate the API's
signing key and the portal key; with the refusals (a wrong key, guessing, no login, another
kind of session, a form without its CSRF token, a suspended partner)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.accounts.sessions import MAX_FAILURES
from carbonledger.accounts.tables import retired_keys
from carbonledger.client import PartnerClient
from carbonledger.ingest.signing import public_key_b64
from carbonledger.platform import Platform
from carbonledger.rewards import service as rewards
from tests import factories
from tests.factories import MadePartner, record

Served = tuple[Platform, str]


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def _partner_with_trips(served: Served, trips: int) -> tuple[MadePartner, list[str]]:
    """A partner that has credited `trips` trips of one linked citizen; their external ids."""
    platform, url = served
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "rider", citizen)
    start = clock.now() - timedelta(hours=6)
    batch = [
        record("cycling", user="rider", start=start + timedelta(minutes=40 * n))
        for n in range(trips)
    ]
    with PartnerClient(url, partner.id, partner.key) as client:
        assert client.submit(batch).json()["summary"]["accepted"] == trips
    return partner, [item["external_id"] for item in batch]


def test_staff_log_in_and_see_their_enterprise_ledger(served: Served) -> None:
    platform, url = served
    mine, _ = _partner_with_trips(served, 3)
    _partner_with_trips(served, 2)
    with factories.portal_client(url, platform, mine.id) as staff:
        page = staff.get("/portal")
    assert page.status_code == 200
    assert re.search(r'id="total-accepted">3<', page.text)
    assert "ledger-data" in page.text
    assert mine.id in page.text


def test_a_wrong_access_key_is_refused(served: Served) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    factories.portal_key(platform, partner.id)
    answer = httpx.post(
        f"{url}/portal/login", data={"partner": partner.id, "access_key": "not-the-key"}
    )
    assert answer.status_code == 401
    assert "合作方编号或访问密钥错误" in answer.text
    assert "access key is wrong" not in answer.text
    assert "set-cookie" not in answer.headers
    unknown = httpx.post(f"{url}/portal/login", data={"partner": "nobody", "access_key": "x"})
    assert unknown.status_code == 401


def test_guessing_access_keys_is_throttled(served: Served) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    key = factories.portal_key(platform, partner.id)
    for _ in range(MAX_FAILURES):
        guess = httpx.post(f"{url}/portal/login", data={"partner": partner.id, "access_key": "x"})
        assert guess.status_code == 401
    right = httpx.post(f"{url}/portal/login", data={"partner": partner.id, "access_key": key})
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) > 0
    assert "set-cookie" not in right.headers


def test_a_partner_finds_its_own_records_and_not_anothers(served: Served) -> None:
    platform, url = served
    mine, my_ids = _partner_with_trips(served, 1)
    _, their_ids = _partner_with_trips(served, 1)
    with factories.portal_client(url, platform, mine.id) as staff:
        own = staff.get("/portal/records", params={"external_id": my_ids[0]})
        other = staff.get("/portal/records", params={"external_id": their_ids[0]})
    assert own.status_code == 200
    assert "badge accepted" in own.text
    assert "cycling@2022-08" in own.text
    assert other.status_code == 404
    assert "没有这条记录" in other.text
    assert "badge accepted" not in other.text


def test_portal_pages_need_a_partner_session(served: Served) -> None:
    platform, url = served
    anonymous = httpx.get(f"{url}/portal/records")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/portal/login?next=/portal/records"
    _, citizen = factories.citizen_client(url, platform)
    with citizen:
        assert citizen.get("/portal").status_code == 303


def test_a_form_without_its_csrf_token_changes_nothing(served: Served) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    new_key = public_key_b64(Ed25519PrivateKey.generate())
    with factories.portal_client(url, platform, partner.id) as staff:
        forged = staff.post("/portal/keys/signing", data={"public_key": new_key})
        page = staff.get("/portal/keys")
    assert forged.status_code == 403
    assert new_key not in page.text


def test_a_rotated_signing_key_still_signs_during_the_overlap_then_is_refused(
    served: Served,
) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    new = Ed25519PrivateKey.generate()
    with factories.portal_client(url, platform, partner.id) as staff:
        form = {"public_key": public_key_b64(new), "csrf_token": csrf_of(staff.get("/portal/keys"))}
        rotated = staff.post("/portal/keys/signing", data=form)
        again = staff.post("/portal/keys/signing", data=form)
    assert rotated.status_code == 200
    assert public_key_b64(partner.key) in rotated.text  # listed among the retired keys
    assert (again.status_code, "新密钥与当前密钥相同" in again.text) == (409, True)
    assert f"{platform.settings.key_overlap_hours:g} 小时" in rotated.text
    ledger = f"/api/v1/partner/ledger?from={clock.now().date()}&to={clock.now().date()}"
    with PartnerClient(url, partner.id, partner.key) as old:
        overlapping = old.request("GET", ledger)  # a server not yet moved to the new key
    overlap = timedelta(hours=platform.settings.key_overlap_hours)
    with db.write(platform.engine) as conn:
        conn.execute(
            update(retired_keys)
            .where(retired_keys.c.partner_id == partner.id)
            .values(retired_at=clock.now() - overlap - timedelta(minutes=1))
        )
    with PartnerClient(url, partner.id, partner.key) as old:
        refused = old.request("GET", ledger)
    with PartnerClient(url, partner.id, new) as current:
        accepted = current.request("GET", ledger)
    assert overlapping.status_code == 200
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "bad_signature")
    assert accepted.status_code == 200


def test_rotating_the_portal_key_ends_the_old_key_and_other_sessions(served: Served) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    other = factories.portal_client(url, platform, partner.id)
    with factories.portal_client(url, platform, partner.id) as staff:
        page = staff.post(
            "/portal/keys/portal", data={"csrf_token": csrf_of(staff.get("/portal/keys"))}
        )
        still_in = staff.get("/portal/keys")
    found = re.search(r'id="new-portal-key" class="secret">([^<]+)<', page.text)
    assert page.status_code == 200 and found
    assert page.headers["cache-control"] == "no-store"
    assert still_in.status_code == 200
    with other:
        assert other.get("/portal/keys").status_code == 303
    login = httpx.post(
        f"{url}/portal/login", data={"partner": partner.id, "access_key": found.group(1)}
    )
    assert login.status_code == 303


def test_a_suspended_partners_staff_are_refused(served: Served) -> None:
    platform, url = served
    partner = factories.add_partner(platform)
    key = factories.portal_key(platform, partner.id)
    staff = factories.portal_client(url, platform, partner.id)
    with db.write(platform.engine) as conn:
        accounts.set_partner_status(conn, partner.id, "suspended")
    with staff:
        page = staff.get("/portal/keys")
    assert (page.status_code, "该合作方已被暂停" in page.text) == (403, True)
    login = httpx.post(f"{url}/portal/login", data={"partner": partner.id, "access_key": key})
    assert login.status_code == 401  # portal_client issued a newer key; this one is dead


def _settled_voucher(platform: Platform) -> tuple[str, str]:
    """(merchant, reward): a merchant's reward redeemed once and the voucher confirmed."""
    merchant, citizen, reward = factories.shop(platform)
    hold, zone = platform.settings.redemption_hold_minutes, platform.settings.zone
    with db.write(platform.engine) as conn:
        code = rewards.redeem(conn, platform.keys, citizen, reward, "k-1", clock.now(), hold).code
    with db.write(platform.engine) as conn:
        rewards.confirm(conn, platform.keys, merchant, code, clock.now(), zone)
    return merchant, reward


def test_a_merchant_sees_its_rewards_and_settlement(served: Served) -> None:
    platform, url = served
    merchant, reward = _settled_voucher(platform)
    _settled_voucher(platform)  # another merchant's, which must not show
    with factories.portal_client(url, platform, merchant) as staff:
        home = staff.get("/portal")
        page = staff.get("/portal/rewards")
        records = staff.get("/portal/records")
    assert (home.status_code, home.headers["location"]) == (303, "/portal/rewards")
    assert page.status_code == 200
    assert f'id="reward-{reward}"' in page.text
    assert page.text.count('<tr id="reward-') == 1  # not the other merchant's
    assert re.search(r'id="settled-vouchers">1<', page.text)
    assert re.search(r'id="settled-points">100<', page.text)
    assert records.status_code == 403
    assert "只有数据合作方可以查看上报的记录" in records.text


def test_a_data_partner_is_refused_on_merchant_pages(served: Served) -> None:
    platform, url = served
    partner = factories.add_partner(platform, role="data")
    with factories.portal_client(url, platform, partner.id) as staff:
        page = staff.get("/portal/rewards")
    assert page.status_code == 403
    assert "只有商户可以上架奖励" in page.text
