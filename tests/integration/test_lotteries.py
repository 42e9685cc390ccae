"""Lotteries on SQLite and PostgreSQL: the commit, close and reveal steps in the log, earned and
bought entries, every refusal, the ledger and the log still reconciling, and a tampered record
found by the audit."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import Connection, update

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.accounts.export import export
from carbonledger.errors import CarbonLedgerError, InsufficientPoints
from carbonledger.ingest.crediting import reverse
from carbonledger.lotteries import duties, purchases, service, views
from carbonledger.lotteries.audit import AuditError, audit
from carbonledger.lotteries.tables import lottery_entries, lottery_winners
from carbonledger.lotteries.terms import PrizeTerms
from carbonledger.platform import Platform
from carbonledger.points.lottery import LotteryRecord, verify_record
from carbonledger.points.reconcile import reconcile
from carbonledger.translog import publisher
from carbonledger.translog import repository as log_repo
from carbonledger.translog.leaves import LotteryLeaf, decode_leaf
from carbonledger.translog.sources import LocalSource
from carbonledger.translog.verify import verify
from tests import factories
from tests.factories import lottery_terms, record
from tests.integration.helpers import points_balance, submit

T = TypeVar("T")


@dataclass
class Town:
    """A merchant, a data partner and three linked citizens; a lottery window yesterday."""

    platform: Platform
    merchant: str
    partner: str
    citizens: list[str]
    opens: datetime
    closes: datetime


@pytest.fixture
def town(platform: Platform) -> Town:
    merchant = factories.add_partner(platform, role="merchant").id
    partner = factories.add_partner(platform).id
    citizens = []
    for n in range(3):
        citizen = factories.add_citizen(platform)
        factories.link(platform, partner, f"u{n}", citizen)
        citizens.append(citizen)
    # Noon to six yesterday, local time: every meal below falls on one local day.
    yesterday = clock.now().astimezone(platform.settings.zone).date() - timedelta(days=1)
    opens = datetime.combine(yesterday, time(12), platform.settings.zone)
    return Town(platform, merchant, partner, citizens, opens, opens + timedelta(hours=6))


def write(platform: Platform, work: Callable[[Connection], T]) -> T:
    with db.write(platform.engine) as conn:
        return work(conn)


def create(town: Town, **overrides: Any) -> str:
    terms = replace(lottery_terms(town.merchant, town.opens, town.closes), **overrides)
    return write(
        town.platform, lambda conn: service.create(conn, town.platform, terms, "op", town.opens)
    )


def meals(town: Town, user: str, count: int, start: datetime) -> list[str]:
    batch = [
        record("clean_plate", user=user, quantity=1, start=start + timedelta(minutes=10 * n))
        for n in range(count)
    ]
    return [r.record or "" for r in submit(town.platform, town.partner, batch)]


def buy(town: Town, lottery: str, citizen: int, count: int, key: str, at: datetime) -> Any:
    return write(
        town.platform,
        lambda conn: purchases.buy(conn, lottery, town.citizens[citizen], count, key, at),
    )


def close(town: Town, lottery: str, at: datetime | None = None) -> int:
    return write(town.platform, lambda conn: service.close(conn, lottery, at or clock.now()))


def draw(town: Town, lottery: str) -> int:
    platform = town.platform
    return write(platform, lambda conn: service.draw(conn, platform, lottery, clock.now()))


def record_of(town: Town, lottery: str) -> dict[str, Any]:
    with db.read(town.platform.engine) as conn:
        return views.public_record(conn, lottery)


def leaf(town: Town, index: int) -> Any:
    with db.read(town.platform.engine) as conn:
        return decode_leaf(log_repo.entry(conn, index))


def audited(town: Town, lottery: str) -> list[str]:
    platform = town.platform
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
    lines: list[str] = []
    audit(record_of(town, lottery), LocalSource(platform.engine, vkey(platform)), lines.append)
    return lines


def vkey(platform: Platform) -> str:
    return platform.log_signer.verifier_key()


def refused(code: str, work: Callable[[], object]) -> CarbonLedgerError:
    with pytest.raises(CarbonLedgerError) as caught:
        work()
    assert caught.value.code == code, caught.value.message
    return caught.value


def drawn_lottery(town: Town) -> str:
    """A lottery with earned entries for citizens 0 and 1 and two bought by citizen 1, drawn."""
    lottery = create(town)
    meals(town, "u0", 3, town.opens + timedelta(minutes=5))
    meals(town, "u1", 1, town.opens + timedelta(hours=1))
    buy(town, lottery, 1, 2, "k1", town.opens + timedelta(hours=2))
    close(town, lottery)
    draw(town, lottery)
    return lottery


def test_lifecycle_publishes_three_leaves_and_recomputable_winners(town: Town) -> None:
    lottery = create(town)
    before = record_of(town, lottery)
    assert (before["status"], before["seed"], before["entries_digest"]) == ("open", None, None)
    commit = leaf(town, before["leaves"]["commit"])
    assert isinstance(commit, LotteryLeaf) and commit.stage == "commit"
    assert (commit.commitment, commit.terms_digest) == (
        before["commitment"],
        before["terms_digest"],
    )
    assert (commit.opens, commit.closes) == (town.opens, town.closes)

    meals(town, "u0", 3, town.opens + timedelta(minutes=5))  # two a day earn entries
    [late] = meals(town, "u1", 1, town.closes + timedelta(minutes=5))  # outside the window
    [reversed_] = meals(town, "u2", 1, town.opens + timedelta(hours=1))
    write(
        town.platform, lambda conn: reverse(conn, town.platform, reversed_, "review", clock.now())
    )
    bought = buy(town, lottery, 1, 2, "k1", town.opens + timedelta(hours=2))
    assert len(bought.entries) == 2 and bought.points == 200

    close_index = close(town, lottery)
    closed = record_of(town, lottery)
    by_source = {e["entry"].split(":")[0] for e in closed["entries"]}
    assert by_source == {"credit", "bought"} and len(closed["entries"]) == 4
    # u0's two earned entries and u1's two bought ones: two holders, each under one name; the
    # late and the reversed credit earned nothing, and no entry names a record.
    assert len({e["account"] for e in closed["entries"]}) == 2
    assert not any(record in str(closed["entries"]) for record in (late, reversed_))
    close_leaf = leaf(town, close_index)
    assert (close_leaf.entries_digest, close_leaf.entries) == (closed["entries_digest"], 4)

    reveal_index = draw(town, lottery)
    drawn = record_of(town, lottery)
    assert drawn["status"] == "drawn" and leaf(town, reveal_index).seed == drawn["seed"]
    assert drawn["leaves"] == {
        "commit": before["leaves"]["commit"],
        "close": close_index,
        "reveal": reveal_index,
    }
    verify_record(LotteryRecord.decode(json.dumps(drawn).encode()))
    # Two citizens hold entries and one prize per account: both win, the third slot stays empty.
    assert len(drawn["winners"]) == 2
    assert len({w["account"] for w in drawn["winners"]}) == 2


def test_citizens_see_their_entries_and_wins(town: Town) -> None:
    lottery = drawn_lottery(town)
    with db.read(town.platform.engine) as conn:
        mine = views.mine(conn, lottery, town.citizens[1])
        nothing = views.mine(conn, lottery, town.citizens[2])
        listed = views.visible(conn, town.citizens[1], clock.now())
    assert sorted(e["source"] for e in mine["entries"]) == ["bought", "bought", "earned"]
    assert len(mine["won"]) == 1 and mine["won"][0]["merchant"] == town.merchant
    assert nothing["entries"] == [] and nothing["won"] == []
    assert [(item["lottery"], item["my_entries"]) for item in listed] == [(lottery, 3)]


def test_a_winners_prize_voucher_is_in_their_data_export(town: Town) -> None:
    lottery = drawn_lottery(town)
    with db.read(town.platform.engine) as conn:
        exported = [
            export(conn, town.platform.keys, citizen, town.platform.settings.zone, clock.now())
            for citizen in town.citizens
        ]
    prizes = [prize for document in exported for prize in document["prizes"]]
    # Two winners, each with the voucher the merchant confirms, named by the lottery.
    assert len(prizes) == 2
    assert {prize["lottery_id"] for prize in prizes} == {lottery}
    assert all(prize["voucher_code"] and prize["state"] == "issued" for prize in prizes)
    assert exported[2]["prizes"] == []


def test_bought_points_are_held_then_retired_at_the_draw(town: Town) -> None:
    lottery = create(town)
    meals(town, "u1", 1, town.opens + timedelta(hours=1))
    buy(town, lottery, 1, 3, "k", town.opens + timedelta(hours=2))
    balances = points_balance(town.platform)
    assert balances[f"citizen:{town.citizens[1]}"] == 449 - 300
    assert balances[f"lottery:{lottery}"] == 300
    close(town, lottery)
    draw(town, lottery)
    balances = points_balance(town.platform)
    assert balances[f"lottery:{lottery}"] == 0
    assert balances["issuance"] == -(449 - 300)


def test_a_purchase_retried_with_its_key_is_made_once(town: Town) -> None:
    lottery = create(town)
    meals(town, "u1", 1, town.opens + timedelta(hours=1))
    at = town.opens + timedelta(hours=2)
    first = buy(town, lottery, 1, 2, "same", at)
    again = buy(town, lottery, 1, 2, "same", at + timedelta(minutes=1))
    assert again == replace(first, replayed=True)
    assert points_balance(town.platform)[f"citizen:{town.citizens[1]}"] == 249
    refused("idempotency_key_reused", lambda: buy(town, lottery, 1, 1, "same", at))


def test_purchases_are_refused_outside_the_rules(town: Town) -> None:
    lottery = create(town)
    meals(town, "u1", 1, town.opens + timedelta(hours=1))
    inside = town.opens + timedelta(hours=1)
    refused("lottery_not_open", lambda: buy(town, lottery, 1, 1, "a", town.opens - timedelta(1)))
    refused("invalid_purchase", lambda: buy(town, lottery, 1, 0, "a", inside))
    with pytest.raises(InsufficientPoints):
        buy(town, lottery, 0, 1, "b", inside)  # citizen 0 has no points
    refused("lottery_closed", lambda: buy(town, lottery, 1, 1, "c", town.closes))
    close(town, lottery)
    refused("lottery_closed", lambda: buy(town, lottery, 1, 1, "d", inside))
    earned_only = create(town, entry_price=None)
    refused("not_for_sale", lambda: buy(town, earned_only, 1, 1, "e", inside))
    refused("unknown_lottery", lambda: buy(town, "nope", 1, 1, "f", inside))
    assert points_balance(town.platform)[f"citizen:{town.citizens[1]}"] == 449


def test_steps_out_of_order_are_refused(town: Town) -> None:
    lottery = create(town)
    refused("lottery_not_closed", lambda: draw(town, lottery))
    refused("lottery_still_open", lambda: close(town, lottery, town.closes - timedelta(1)))
    close(town, lottery)
    refused("lottery_closed", lambda: close(town, lottery))
    draw(town, lottery)
    refused("lottery_drawn", lambda: draw(town, lottery))
    assert record_of(town, lottery)["winners"] == []  # nobody entered


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"scenario": "teleporting"}, "no scenario has the code"),
        ({"scenario": None, "entry_price": None}, "a way in"),
        ({"prizes": ()}, "at least one prize"),
        ({"prizes": (PrizeTerms("nobody", "Tea", 1),)}, "no partner has the id 'nobody'"),
    ],
)
def test_invalid_terms_are_refused_with_every_problem(
    town: Town, change: dict[str, Any], fragment: str
) -> None:
    error = refused("invalid_lottery", lambda: create(town, **change))
    assert fragment in error.message


def test_prizes_come_only_from_merchants_and_lotteries_open_when_published(town: Town) -> None:
    terms = lottery_terms(town.partner, town.opens, town.closes)
    platform = town.platform
    error = refused(
        "invalid_lottery",
        lambda: write(platform, lambda c: service.create(c, platform, terms, "op", clock.now())),
    )
    assert "is not a merchant" in error.message and "opens_at lies in the past" in error.message


def test_the_ticker_duty_closes_and_draws_what_is_due(town: Town) -> None:
    due = create(town)
    later = create(town, closes_at=clock.now() + timedelta(days=1))
    meals(town, "u0", 1, town.opens + timedelta(minutes=5))
    assert duties.run_due(town.platform, clock.now()) == [due]
    assert record_of(town, due)["status"] == "drawn"
    assert record_of(town, later)["status"] == "open"
    assert duties.run_due(town.platform, clock.now()) == []


def test_reconcile_verify_and_audit_pass_with_lottery_leaves(town: Town) -> None:
    lottery = drawn_lottery(town)
    lines = audited(town, lottery)
    assert lines[-1].startswith("draw: 2 winner(s) recomputed")
    platform = town.platform
    with db.read(platform.engine) as conn:
        result = reconcile(conn)
    assert result.ok, result.problems
    assert result.leaf_points == result.issued_for_leaves == 4 * 449
    verified = verify(LocalSource(platform.engine, vkey(platform)), None)
    assert verified.size >= 3 + 4


def _tamper(town: Town, statement: Any) -> None:
    with db.write(town.platform.engine) as conn:
        assert conn.execute(statement).rowcount == 1


def test_a_changed_winner_fails_the_audit(town: Town) -> None:
    lottery = drawn_lottery(town)
    body = record_of(town, lottery)
    loser = next(
        e for e in body["entries"] if e["entry"] not in {w["entry"] for w in body["winners"]}
    )
    _tamper(
        town,
        update(lottery_winners)
        .where(lottery_winners.c.lottery_id == lottery, lottery_winners.c.slot == 1)
        .values(entry_id=loser["entry"], account=loser["account"]),
    )
    with pytest.raises(AuditError, match=r"winner 1 should be entry .*, not " + loser["entry"]):
        audited(town, lottery)


def test_a_changed_entry_list_fails_the_audit(town: Town) -> None:
    lottery = drawn_lottery(town)
    entry = record_of(town, lottery)["entries"][0]["entry"]
    _tamper(
        town,
        update(lottery_entries)
        .where(lottery_entries.c.lottery_id == lottery, lottery_entries.c.entry_id == entry)
        .values(account="f" * 32),
    )
    with pytest.raises(AuditError, match="the entry list differs from the one published"):
        audited(town, lottery)


def test_an_undrawn_lottery_has_nothing_to_audit(town: Town) -> None:
    lottery = create(town)
    with pytest.raises(AuditError, match="is open, not drawn"):
        audited(town, lottery)


def test_earned_entries_exclude_deleted_citizens_and_respect_the_daily_limit(town: Town) -> None:
    lottery = create(town, daily_entries=1, entry_price=None)
    meals(town, "u0", 3, town.opens + timedelta(minutes=5))
    meals(town, "u2", 1, town.opens + timedelta(minutes=5))
    write(town.platform, lambda conn: accounts.delete_citizen(conn, town.citizens[2], clock.now()))
    close(town, lottery)
    [entry] = record_of(town, lottery)["entries"]
    assert entry["entry"].startswith("credit:")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"seed": "00" * 32}, "the reveal leaf .* publishes seed"),
        ({"commitment": "0" * 64}, "the commit leaf .* publishes commitment"),
        ({"closes_at": "2000-01-01T00:00:00+00:00"}, "publishes entry window"),
        ({"leaves": {"reveal": 10**6}}, "the reveal leaf 1000000 is not in the log's latest"),
        ({"leaves": {"close": 1}}, "the close leaf 1 is a credit, not a lottery leaf"),
    ],
)
def test_the_audit_names_a_record_that_disagrees_with_the_log(
    town: Town, change: dict[str, Any], fragment: str
) -> None:
    lottery = drawn_lottery(town)
    platform = town.platform
    audited(town, lottery)
    body = record_of(town, lottery)
    body |= change | {"leaves": body["leaves"] | change.get("leaves", {})}
    with pytest.raises(AuditError, match=fragment):
        audit(body, LocalSource(platform.engine, vkey(platform)))
