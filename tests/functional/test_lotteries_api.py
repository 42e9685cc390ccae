"""Lotteries over real HTTP: an operator creates, closes and draws; a citizen lists, buys and
sees what they won; anyone reads the record and checks it with `carbonledger lottery verify
--url`, which also names a tampered winner or entry list.

The server here runs without its ticker, so that no lottery closes or draws behind a test's back;
checkpoints are published by the tests. A lottery to close is made with a window in the past,
through the service, as the ticker's clock would find it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from carbonledger import clock, db
from carbonledger.config import Settings
from carbonledger.lotteries import purchases, service
from carbonledger.lotteries.tables import lottery_winners
from carbonledger.platform import Platform
from carbonledger.translog import publisher
from tests import factories
from tests.commands import run
from tests.factories import lottery_terms, record
from tests.integration.helpers import submit
from tests.served import serve

Served = tuple[Platform, str]


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir: Path = tmp_path_factory.mktemp("lotteries") / "data"
    platform = Platform.open(Settings(data_dir=data_dir))
    with serve(platform, background=False) as url:
        yield platform, url
    platform.close()


@pytest.fixture(scope="module")
def merchant(quiet: Served) -> str:
    return factories.add_partner(quiet[0], role="merchant").id


@pytest.fixture(scope="module")
def operator(quiet: Served) -> Iterator[httpx.Client]:
    with factories.operator_client(quiet[1], quiet[0], roles=("points",)) as client:
        yield client


def _publish(platform: Platform) -> None:
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())


def _with_points(platform: Platform, citizen: str, meals: int) -> None:
    """Give a citizen 449 points a clean-plate meal, eaten two hours ago."""
    partner = factories.add_partner(platform).id
    factories.link(platform, partner, "u", citizen)
    start = clock.now() - timedelta(hours=2)
    batch = [
        record("clean_plate", user="u", quantity=1, start=start + timedelta(minutes=n))
        for n in range(meals)
    ]
    assert all(r.status == "accepted" for r in submit(platform, partner, batch))


def _new_lottery(operator: httpx.Client, merchant: str, **changes: Any) -> httpx.Response:
    body = {
        "name_zh": "光盘打卡抽奖",
        "name_en": "Clean-plate check-in lottery",
        "scenario": "clean_plate",
        "daily_entries": 2,
        "entry_price": 100,
        "closes_at": (clock.now() + timedelta(days=7)).isoformat(),
        "prizes": [{"merchant": merchant, "name": "Coffee voucher", "count": 3}],
        **changes,
    }
    return operator.post("/api/v1/admin/lotteries", json=body)


def _past_lottery(platform: Platform, merchant: str, buyer: str) -> str:
    """A lottery whose window ended an hour ago, in which `buyer` bought two entries. No entries
    are earned: other tests of the module credit meals in the same hours."""
    opens = clock.now() - timedelta(hours=3)
    terms = replace(lottery_terms(merchant, opens, opens + timedelta(hours=2)), scenario=None)
    with db.write(platform.engine) as conn:
        lottery = service.create(conn, platform, terms, "op", opens)
    with db.write(platform.engine) as conn:
        purchases.buy(conn, lottery, buyer, 2, "k", opens + timedelta(minutes=30))
    return lottery


def test_an_operator_creates_a_lottery_committed_in_the_log(
    quiet: Served, operator: httpx.Client, merchant: str
) -> None:
    platform, url = quiet
    created = _new_lottery(operator, merchant)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "open" and body["seed"] is None and body["entries"] == []
    assert body["prizes"] == [
        {"id": f"{merchant}:1", "name": "Coffee voucher", "count": 3, "merchant": merchant}
    ]
    _publish(platform)
    leaf = httpx.get(f"{url}/api/v1/log/entries/{body['leaves']['commit']}").json()["leaf"]
    assert f'"commitment":"{body["commitment"]}"' in leaf and '"kind":"lottery"' in leaf
    assert httpx.get(f"{url}/api/v1/lotteries/{body['lottery']}").json() == body


def test_creation_is_refused_with_every_problem_and_without_the_role(
    quiet: Served, operator: httpx.Client, merchant: str
) -> None:
    platform, url = quiet
    bad = _new_lottery(operator, "nobody", scenario="teleporting")
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "invalid_lottery"
    assert "teleporting" in error["message"] and "nobody" in error["message"]
    with factories.operator_client(url, platform, roles=("reviewer",)) as reviewer:
        refused = _new_lottery(reviewer, merchant)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "missing_role")


def test_a_citizen_buys_entries_once_per_key_and_sees_them(
    quiet: Served, operator: httpx.Client, merchant: str
) -> None:
    platform, url = quiet
    lottery = _new_lottery(operator, merchant).json()["lottery"]
    citizen, client = factories.citizen_client(url, platform)
    with client:
        _with_points(platform, citizen, 1)
        path = f"/api/v1/me/lotteries/{lottery}/entries"
        bought = client.post(path, json={"count": 3, "key": "order-1"})
        assert bought.status_code == 201, bought.text
        again = client.post(path, json={"count": 3, "key": "order-1"})
        assert again.status_code == 200
        assert again.json() == bought.json() | {"replayed": True}
        short = client.post(path, json={"count": 2, "key": "order-2"})
        assert (short.status_code, short.json()["error"]["code"]) == (409, "insufficient_points")
        assert client.get("/api/v1/me").json()["points"] == 449 - 300
        listed = client.get("/api/v1/me/lotteries").json()["lotteries"]
        assert {item["lottery"]: item["my_entries"] for item in listed}[lottery] == 3
        mine = client.get(f"/api/v1/me/lotteries/{lottery}").json()
    assert [e["source"] for e in mine["entries"]] == ["bought"] * 3
    assert mine["won"] == []
    public = httpx.get(f"{url}/api/v1/lotteries/{lottery}").json()
    assert {e["account"] for e in public["entries"]} == {mine["account"]}


def test_purchases_need_a_login_and_the_csrf_token(
    quiet: Served, operator: httpx.Client, merchant: str
) -> None:
    platform, url = quiet
    lottery = _new_lottery(operator, merchant).json()["lottery"]
    path = f"{url}/api/v1/me/lotteries/{lottery}/entries"
    anonymous = httpx.post(path, json={"count": 1, "key": "k"})
    assert anonymous.json()["error"]["code"] == "not_logged_in"
    _, client = factories.citizen_client(url, platform)
    with client:
        client.headers.pop("X-CSRF-Token")
        answer = client.post(path, json={"count": 1, "key": "k"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "csrf_failed")


def test_close_draw_and_verify_over_http(
    quiet: Served, operator: httpx.Client, merchant: str, tmp_path: Path
) -> None:
    platform, url = quiet
    citizen, client = factories.citizen_client(url, platform)
    _with_points(platform, citizen, 1)
    lottery = _past_lottery(platform, merchant, citizen)
    early = operator.post(f"/api/v1/admin/lotteries/{lottery}/draw")
    assert (early.status_code, early.json()["error"]["code"]) == (409, "lottery_not_closed")
    closed = operator.post(f"/api/v1/admin/lotteries/{lottery}/close")
    assert closed.status_code == 200, closed.text
    assert [e["entry"][:7] for e in closed.json()["entries"]] == ["bought:"] * 2
    with client:
        late = client.post(f"/api/v1/me/lotteries/{lottery}/entries", json={"count": 1, "key": "z"})
        assert late.json()["error"]["code"] == "lottery_closed"
        drawn = operator.post(f"/api/v1/admin/lotteries/{lottery}/draw").json()
        assert drawn["status"] == "drawn" and len(drawn["winners"]) == 1  # one per account
        won = client.get(f"/api/v1/me/lotteries/{lottery}").json()["won"]
    assert won == [
        {
            "entry": drawn["winners"][0]["entry"],
            "prize": f"{merchant}:1",
            "name": "Cinema tickets for two",
            "merchant": merchant,
        }
    ]
    _publish(platform)
    checked = run(tmp_path, "lottery", "verify", lottery, "--url", url)
    assert checked.returncode == 0, checked.stderr
    assert "reveal leaf" in checked.stdout and f"lottery {lottery} verified" in checked.stdout
    missing = run(tmp_path, "lottery", "verify", "01NOSUCHLOTTERY", "--url", url)
    assert missing.returncode == 1 and "has no lottery" in missing.stderr


def test_verify_names_a_tampered_winner(quiet: Served, merchant: str, tmp_path: Path) -> None:
    platform, url = quiet
    citizen = factories.add_citizen(platform)
    _with_points(platform, citizen, 1)
    lottery = _past_lottery(platform, merchant, citizen)
    for step in (service.close, lambda conn, id_, now: service.draw(conn, platform, id_, now)):
        with db.write(platform.engine) as conn:
            step(conn, lottery, clock.now())
    _publish(platform)
    data_dir = platform.settings.data_dir
    assert run(data_dir, "lottery", "verify", lottery).returncode == 0
    lottery_entry = httpx.get(f"{url}/api/v1/lotteries/{lottery}").json()["winners"][0]["entry"]
    with db.write(platform.engine) as conn:
        conn.execute(
            update(lottery_winners)
            .where(lottery_winners.c.lottery_id == lottery)
            .values(prize_id=f"{merchant}:2")
        )
    for args in (("--url", url), ()):
        failed = run(data_dir, "lottery", "verify", lottery, *args)
        said = " ".join(failed.stderr.split())  # the console wraps long lines
        assert failed.returncode == 1
        assert f"winner 1 (entry {lottery_entry}) should be prize {merchant}:1" in said
        assert f"not prize {merchant}:2" in said


def test_unknown_lotteries_and_the_openapi_document(quiet: Served) -> None:
    _, url = quiet
    missing = httpx.get(f"{url}/api/v1/lotteries/nope")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unknown_lottery")
    paths = httpx.get(f"{url}/openapi.json").json()["paths"]
    for path, method, status in (
        ("/api/v1/admin/lotteries", "post", "400"),
        ("/api/v1/admin/lotteries/{lottery_id}/close", "post", "409"),
        ("/api/v1/admin/lotteries/{lottery_id}/draw", "post", "409"),
        ("/api/v1/lotteries/{lottery_id}", "get", "404"),
        ("/api/v1/me/lotteries", "get", "401"),
        ("/api/v1/me/lotteries/{lottery_id}", "get", "404"),
        ("/api/v1/me/lotteries/{lottery_id}/entries", "post", "409"),
    ):
        assert status in paths[path][method]["responses"], (path, status)
