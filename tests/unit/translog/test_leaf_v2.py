"""Leaf v2 and the public names: golden vectors pin every byte, so that an outside verifier
written from PARTNER_API.md §5 computes the same leaves, pseudonyms and tags."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.translog import merkle
from carbonledger.translog.leaves import Leaf, credit_leaf, decode_leaf, reversal_leaf
from carbonledger.translog.pseudonyms import (
    account_of_opening,
    day_opening,
    day_openings,
    day_pseudonym,
    earned_entry_tag,
    lottery_name,
    record_tag,
)

KEY = bytes(range(32))
RECORD = "01JD0000000000000000000000"
DAY = date(2026, 11, 1)
CREDIT = (
    b'{"account":"a67ed152b7cc795635b745e1e95f6584","day":"2026-11-01","kind":"credit",'
    b'"methodology":"cycling@2022-08","partner":"bikeshare","points":214,"quantity":4.2,'
    b'"record":"df2f869a76c25bfe5046ddd444e4159e","reduction_mg":214200,"region":"110108",'
    b'"scenario":"cycling","unit":"km","v":2}'
)
REVERSAL = (
    b'{"day":"2026-11-01","kind":"reversal","methodology":"cycling@2022-08",'
    b'"partner":"bikeshare","points":-214,"quantity":4.2,'
    b'"record":"df2f869a76c25bfe5046ddd444e4159e","reduction_mg":-214200,"region":"110108",'
    b'"reverses":7,"scenario":"cycling","unit":"km","v":2}'
)
V1 = (
    b'{"account":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","day":"2026-11-01","kind":"credit",'
    b'"methodology":"cycling@2022-08","partner":"bikeshare","points":214,"quantity":4.2,'
    b'"record":"01JD0000000000000000000000","reduction_mg":214200,"region":"110108",'
    b'"scenario":"cycling","time":"2026-11-01T08:20:03Z","unit":"km","v":1}'
)


def _credit(**changes: object) -> bytes:
    values: dict[str, object] = {
        "record_id": RECORD,
        "partner": "bikeshare",
        "pseudonym_key": KEY,
        "scenario": "cycling",
        "methodology": "cycling@2022-08",
        "quantity": 4.2,
        "unit": "km",
        "reduction_mg": 214_200,
        "points": 214,
        "day": DAY,
        "region": "110108",
    } | changes
    return credit_leaf(**values)  # type: ignore[arg-type]


def test_a_v2_credit_is_pinned_byte_for_byte() -> None:
    assert _credit() == CREDIT
    assert merkle.leaf_hash(CREDIT).hex() == (
        "cb8db1b4ea1dc15415e77f6ad47873385545bd24f255b2c9f0e6484049fe67c1"
    )


def test_the_names_are_pinned_and_follow_the_documented_formulas() -> None:
    opening = day_opening(KEY, DAY, "cycling")
    assert opening.hex() == "64a5758a89503b6ba1dadbd0f060642892e6f84c260bb9c5a41b1c48c2c3c62b"
    account = hashlib.sha256(b"carbonledger/log/day-account/v2\n" + opening).hexdigest()[:32]
    assert account == account_of_opening(opening) == "a67ed152b7cc795635b745e1e95f6584"
    tag = hashlib.sha256(b"carbonledger/log/record/v2\n" + RECORD.encode()).hexdigest()[:32]
    assert tag == record_tag(RECORD) == "df2f869a76c25bfe5046ddd444e4159e"
    assert lottery_name(KEY, "01LOTTERY") == "2416c69bd3546d15a4bc3aa02d43d548"
    assert earned_entry_tag(KEY, "01LOTTERY", RECORD) == "f61497ab96349d93537e05fccb18c129"
    assert day_openings(KEY, [("2026-11-01", "cycling")] * 2) == {
        "2026-11-01/cycling": opening.hex()
    }
    assert day_openings(None, [("2026-11-01", "cycling")]) == {}


def test_a_reversal_negates_the_credit_and_names_no_citizen() -> None:
    assert reversal_leaf(CREDIT, 7, 214) == REVERSAL
    reversal = Leaf.decode(REVERSAL)
    assert (reversal.account, reversal.reverses, reversal.points) == (None, 7, -214)


def test_a_reversal_of_a_v1_credit_is_written_as_v2() -> None:
    reversal = Leaf.decode(reversal_leaf(V1, 3, 200))
    assert (reversal.v, reversal.record, reversal.account, reversal.time) == (
        2,
        record_tag(RECORD),
        None,
        None,
    )
    assert reversal.names_record(RECORD) and Leaf.decode(V1).names_record(RECORD)


def test_v1_leaves_still_decode_with_their_time() -> None:
    leaf = decode_leaf(V1)
    assert isinstance(leaf, Leaf)
    assert (leaf.v, leaf.account, leaf.time) == (
        1,
        "a" * 32,
        datetime(2026, 11, 1, 8, 20, 3, tzinfo=UTC),
    )
    assert leaf.encode() == V1


def test_names_differ_by_day_scenario_citizen_and_lottery() -> None:
    names = {
        day_pseudonym(KEY, DAY, "cycling"),
        day_pseudonym(KEY, date(2026, 11, 2), "cycling"),
        day_pseudonym(KEY, DAY, "walking"),
        day_pseudonym(bytes(32), DAY, "cycling"),
        lottery_name(KEY, "a"),
        lottery_name(KEY, "b"),
    }
    assert len(names) == 6


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (CREDIT.replace(b'"v":2', b'"v":3'), "unknown leaf version 3"),
        (CREDIT.replace(b'"unit"', b'"time":"2026-11-01T08:00:00Z","unit"'), "no time of day"),
        (CREDIT.replace(b'"account":"a67ed152b7cc795635b745e1e95f6584",', b""), "no account"),
        (V1.replace(b'"time":"2026-11-01T08:20:03Z",', b""), "no time"),
        (CREDIT.replace(b'"kind":"credit"', b'"kind":"bonus"'), "unknown kind 'bonus'"),
        (CREDIT.replace(b'"partner":"bikeshare",', b""), "'partner'"),
    ],
)
def test_a_malformed_leaf_is_refused_with_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_leaf(data)


_texts = st.text(max_size=12)
_numbers = st.integers(min_value=-(2**60), max_value=2**60) | st.floats(
    allow_nan=False, allow_infinity=False
)


@given(
    partner=_texts,
    scenario=_texts,
    methodology=_texts,
    unit=_texts,
    region=_texts,
    quantity=_numbers,
    reduction_mg=st.integers(min_value=-(2**60), max_value=2**60),
    points=st.integers(min_value=-(2**60), max_value=2**60),
    day=st.dates(),
)
def test_the_credit_template_writes_the_bytes_of_the_leaf(**values: object) -> None:
    """`credit_leaf` writes most credits from a template: byte for byte what `Leaf` and the
    RFC 8785 reference write, for any text and any number (large ones take `Leaf`'s way, and
    one the reference refuses is refused alike)."""
    leaf = Leaf(
        kind="credit",
        record=record_tag(RECORD),
        account=day_pseudonym(KEY, values["day"], values["scenario"]),  # type: ignore[arg-type]
        **values,  # type: ignore[arg-type]
    )
    try:
        expected = rfc8785.dumps(leaf.to_json())
    except rfc8785.CanonicalizationError as error:
        with pytest.raises(type(error)):
            _credit(**values)
        return
    written = _credit(**values)
    assert written == expected
    assert written == leaf.encode()
