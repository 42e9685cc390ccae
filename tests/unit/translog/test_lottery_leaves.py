"""Lottery leaves: their canonical bytes, the fields each stage carries, and that readers of
credits can tell them apart (`decode_leaf`) while `Leaf.decode` refuses them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from carbonledger.translog.leaves import Leaf, LotteryLeaf, decode_leaf

AT = datetime(2026, 11, 23, 4, 5, 6, 789, tzinfo=UTC)
COMMIT = LotteryLeaf(
    "01LOTTERY",
    "commit",
    AT,
    commitment="c" * 64,
    terms_digest="t" * 64,
    opens=AT,
    closes=datetime(2026, 11, 30, tzinfo=UTC),
)


def test_the_commit_leaf_bytes_are_canonical() -> None:
    assert COMMIT.encode() == (
        b'{"closes":"2026-11-30T00:00:00Z","commitment":"' + b"c" * 64 + b'","kind":"lottery",'
        b'"lottery":"01LOTTERY","opens":"2026-11-23T04:05:06Z","stage":"commit",'
        b'"terms_digest":"' + b"t" * 64 + b'","time":"2026-11-23T04:05:06Z","v":1}'
    )


@pytest.mark.parametrize(
    "leaf",
    [
        COMMIT,
        LotteryLeaf("01LOTTERY", "close", AT, entries_digest="e" * 64, entries=12),
        LotteryLeaf("01LOTTERY", "reveal", AT, seed="5" * 64),
    ],
)
def test_each_stage_round_trips(leaf: LotteryLeaf) -> None:
    decoded = decode_leaf(leaf.encode())
    assert isinstance(decoded, LotteryLeaf)
    assert decoded.encode() == leaf.encode()


def test_a_stage_carries_only_its_own_fields() -> None:
    with pytest.raises(ValueError, match="close leaf needs entries_digest"):
        LotteryLeaf("01LOTTERY", "close", AT, entries=3)
    with pytest.raises(ValueError, match="reveal leaf does not carry commitment"):
        LotteryLeaf("01LOTTERY", "reveal", AT, seed="00", commitment="c")
    with pytest.raises(ValueError, match="stage is one of"):
        LotteryLeaf("01LOTTERY", "cancel", AT)


def test_credit_readers_refuse_a_lottery_leaf_and_decode_leaf_dispatches() -> None:
    with pytest.raises(ValueError, match="not a credit or a reversal"):
        Leaf.decode(COMMIT.encode())
    with pytest.raises(ValueError, match="lottery leaf"):
        decode_leaf(
            b'{"v":1,"kind":"lottery","lottery":"x","stage":"close","time":"2026-11-23T00:00:00Z"}'
        )
    with pytest.raises(ValueError, match="not a JSON object"):
        decode_leaf(b"[1]")
