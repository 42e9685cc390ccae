"""Rules of rewards: terms report every problem, the refusal order of a redemption, the state
machine (a confirmed or voided redemption never changes), voucher codes, and the postings of a
redemption's life, checked against a model of stock and balances."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.errors import CarbonLedgerError, Conflict, Gone, InsufficientPoints, InvalidInput
from carbonledger.points.postings import balance_changes, citizen_account
from carbonledger.rewards.rules import (
    KINDS,
    RESERVED,
    VOUCHER_LENGTH,
    Event,
    Held,
    Offer,
    RewardStatus,
    State,
    Terms,
    advance,
    check_redeemable,
    check_terms,
    hold_until,
    key_problem,
    merchant_account,
    next_status,
    normalize_voucher,
    release,
    reservation,
    settlement,
    terms_problems,
    totals,
    voucher_code,
)

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=CST)
HELD = Held("R1", "W1", "C1", "metro", 300)


def make_terms(**changes: Any) -> Terms:
    base = Terms(
        kind="metro_topup",
        name_zh="地铁充值 10 元",
        name_en="Metro top-up, 10 yuan",
        price=1000,
        stock=50,
        per_citizen_limit=2,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=30),
    )
    return replace(base, **changes)


def make_offer(**changes: Any) -> Offer:
    base = Offer(
        id="W1",
        merchant_id="metro",
        status=RewardStatus.ACTIVE,
        merchant_active=True,
        price=1000,
        stock=5,
        per_citizen_limit=2,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=30),
    )
    return replace(base, **changes)


def refusal(offer: Offer, *, at: datetime = NOW, held: int = 0, balance: int = 5000) -> str:
    with pytest.raises(CarbonLedgerError) as caught:
        check_redeemable(offer, at, held=held, balance=balance)
    return caught.value.code


# Terms


def test_good_terms_have_no_problems() -> None:
    for kind in KINDS:
        assert terms_problems(make_terms(kind=kind)) == []
    assert terms_problems(make_terms(per_citizen_limit=None, stock=0)) == []


def test_every_problem_of_the_terms_is_reported_at_once() -> None:
    bad = make_terms(
        kind="spa_day", name_en=" ", price=0, stock=-1, per_citizen_limit=0,
        valid_until=NOW - timedelta(days=2),
    )  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        check_terms(bad)
    assert caught.value.code == "invalid_reward"
    problems = terms_problems(bad)
    assert len(problems) == 6
    for word in ("kind", "name_en", "price", "stock", "per_citizen_limit", "valid_until"):
        assert word in caught.value.message


def test_validity_needs_a_time_zone() -> None:
    naive = make_terms(valid_from=datetime(2026, 11, 1), valid_until=datetime(2026, 12, 1))
    assert terms_problems(naive) == ["valid_from and valid_until need a time zone offset"]


def test_every_kind_has_a_chinese_and_an_english_name() -> None:
    assert set(KINDS) == {"metro_topup", "bus_topup", "bike_pass", "parking_voucher", "shop_coupon"}
    assert all(zh and en and zh != en for zh, en in KINDS.values())


def test_a_withdrawn_reward_is_final() -> None:
    assert next_status(RewardStatus.ACTIVE, RewardStatus.SUSPENDED)
    assert next_status(RewardStatus.SUSPENDED, RewardStatus.ACTIVE)
    assert next_status(RewardStatus.SUSPENDED, RewardStatus.WITHDRAWN)
    assert not next_status(RewardStatus.WITHDRAWN, RewardStatus.WITHDRAWN)
    assert not next_status(RewardStatus.SUSPENDED, RewardStatus.SUSPENDED)
    for wanted in (RewardStatus.ACTIVE, RewardStatus.SUSPENDED):
        with pytest.raises(Gone) as caught:
            next_status(RewardStatus.WITHDRAWN, wanted)
        assert caught.value.code == "reward_withdrawn"


# Redeeming


def test_an_available_reward_can_be_redeemed() -> None:
    check_redeemable(make_offer(), NOW, held=1, balance=1000)
    check_redeemable(make_offer(per_citizen_limit=None), NOW, held=99, balance=1000)


def test_refusals_name_the_reason() -> None:
    assert refusal(make_offer(status=RewardStatus.WITHDRAWN)) == "reward_withdrawn"
    assert refusal(make_offer(status=RewardStatus.SUSPENDED)) == "reward_suspended"
    assert refusal(make_offer(merchant_active=False)) == "reward_suspended"
    assert refusal(make_offer(valid_from=NOW + timedelta(seconds=1))) == "reward_not_yet_valid"
    assert refusal(make_offer(valid_until=NOW)) == "reward_expired"
    assert refusal(make_offer(), held=2) == "redemption_limit_reached"
    assert refusal(make_offer(), balance=999) == "insufficient_points"
    assert refusal(make_offer(stock=0)) == "out_of_stock"


def test_validity_includes_its_start_and_excludes_its_end() -> None:
    offer = make_offer()
    check_redeemable(offer, offer.valid_from, held=0, balance=1000)
    with pytest.raises(Gone):
        check_redeemable(offer, offer.valid_until, held=0, balance=1000)


def test_the_first_reason_a_citizen_can_act_on_is_given() -> None:
    everything_wrong = make_offer(status=RewardStatus.SUSPENDED, stock=0, valid_until=NOW)
    assert refusal(everything_wrong, held=9, balance=0) == "reward_suspended"
    assert refusal(make_offer(stock=0), held=2, balance=0) == "redemption_limit_reached"
    assert refusal(make_offer(stock=0), balance=0) == "insufficient_points"


def test_refusals_carry_their_http_meaning() -> None:
    with pytest.raises(InsufficientPoints):
        check_redeemable(make_offer(), NOW, held=0, balance=0)
    with pytest.raises(Conflict):
        check_redeemable(make_offer(stock=0), NOW, held=0, balance=5000)
    with pytest.raises(Gone):
        check_redeemable(make_offer(valid_until=NOW), NOW, held=0, balance=5000)


# The state machine

EXPIRES = NOW + timedelta(minutes=30)


def test_a_reserved_redemption_is_confirmed_before_its_hold_ends() -> None:
    assert advance(State.RESERVED, Event.CONFIRM, at=NOW, expires_at=EXPIRES) is State.CONFIRMED
    with pytest.raises(Gone) as caught:
        advance(State.RESERVED, Event.CONFIRM, at=EXPIRES, expires_at=EXPIRES)
    assert caught.value.code == "voucher_expired"


def test_the_citizen_may_cancel_while_reserved() -> None:
    assert advance(State.RESERVED, Event.CANCEL, at=NOW, expires_at=EXPIRES) is State.VOIDED
    late = EXPIRES + timedelta(days=1)
    assert advance(State.RESERVED, Event.CANCEL, at=late, expires_at=EXPIRES) is State.VOIDED


def test_the_job_voids_only_once_the_hold_is_over() -> None:
    assert advance(State.RESERVED, Event.EXPIRE, at=EXPIRES, expires_at=EXPIRES) is State.VOIDED
    with pytest.raises(Conflict) as caught:
        advance(State.RESERVED, Event.EXPIRE, at=NOW, expires_at=EXPIRES)
    assert caught.value.code == "hold_not_over"


@given(
    st.sampled_from([State.CONFIRMED, State.VOIDED]),
    st.sampled_from(list(Event)),
    st.integers(min_value=-10_000, max_value=10_000),
)
def test_a_confirmed_or_voided_redemption_never_changes(
    state: State, event: Event, minutes: int
) -> None:
    with pytest.raises(Conflict) as caught:
        advance(state, event, at=NOW + timedelta(minutes=minutes), expires_at=EXPIRES)
    assert caught.value.code == {State.CONFIRMED: "already_confirmed"}.get(state, "already_voided")


@given(
    st.lists(
        st.tuples(st.sampled_from(list(Event)), st.integers(min_value=-60, max_value=60)),
        max_size=8,
    )
)
def test_any_sequence_of_events_changes_the_state_at_most_once(
    events: list[tuple[Event, int]],
) -> None:
    state, changes = State.RESERVED, 0
    for event, minutes in events:
        try:
            new = advance(state, event, at=EXPIRES + timedelta(minutes=minutes), expires_at=EXPIRES)
        except CarbonLedgerError:
            continue
        assert state is State.RESERVED and new is not State.RESERVED
        state, changes = new, changes + 1
    assert changes <= 1


# Postings


@given(st.booleans(), st.integers(min_value=1, max_value=10**9))
def test_a_redemptions_life_leaves_nothing_in_reserved(confirmed: bool, points: int) -> None:
    held = replace(HELD, points=points)
    ending = settlement(held) if confirmed else release(held)
    changes = balance_changes([reservation(held), ending])
    assert changes[RESERVED] == 0
    assert changes[citizen_account("C1")] == (-points if confirmed else 0)
    assert changes.get(merchant_account("metro"), 0) == (points if confirmed else 0)


def test_each_stage_has_its_own_key_naming_the_redemption() -> None:
    stages = [reservation(HELD), settlement(HELD), release(HELD)]
    assert len({t.idempotency_key for t in stages}) == 3
    assert all(t.ref == "R1" and t.memo == "W1" and t.amount == 300 for t in stages)
    assert reservation(HELD).debit == "citizen:C1"
    assert settlement(HELD).credit == "merchant:metro"


# Vouchers, keys, periods


def test_voucher_codes_are_long_and_unambiguous() -> None:
    codes = {voucher_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(code) == VOUCHER_LENGTH and not set(code) & set("ILOU") for code in codes)


def test_a_voucher_as_typed_at_a_till_is_found() -> None:
    assert normalize_voucher(" k7q2-m9xd 3f8a ") == "K7Q2M9XD3F8A"


def test_idempotency_keys_are_short_and_plain() -> None:
    assert key_problem("9b1d7c2e-redeem-1") is None
    assert key_problem("") is not None
    assert key_problem("x" * 65) is not None
    assert key_problem("has space") is not None


def test_the_hold_is_counted_in_minutes() -> None:
    assert hold_until(NOW, 90) == NOW + timedelta(hours=1, minutes=30)


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 10**6)), max_size=20))
def test_totals_add_up_the_lines(lines: list[tuple[int, int]]) -> None:
    assert totals(lines) == (sum(c for c, _ in lines), sum(p for _, p in lines))
