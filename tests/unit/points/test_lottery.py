"""Verifiable lotteries: the commitment and digests, the published draw rule (checked against an
independent implementation of the module docstring), fairness, and verification messages."""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.canonical import canonical_json
from carbonledger.points.lottery import (
    SEED_LENGTH,
    Entry,
    LotteryError,
    LotteryRecord,
    Prize,
    Winner,
    _Words,
    commitment,
    draw,
    entries_digest,
    new_seed,
    record_draw,
    sorted_entries,
    terms_digest,
    verify_draw,
    verify_record,
)

LOTTERY = "clean-plate-2026-11"
SEED = hashlib.sha256(b"clean-plate seed").digest()
ENTRIES = [Entry(f"e{i:02d}", f"acct-{i % 4}") for i in range(12)]
PRIZES = [Prize("movie", "Two cinema tickets", 1), Prize("coffee", "Coffee voucher", 3)]


def seed_number(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(4, "big")).digest()


def reference_draw(
    lottery_id: str,
    seed: bytes,
    entries: list[Entry],
    prizes: list[Prize],
    one_per_account: bool,
) -> list[Winner]:
    """The rule as the module docstring states it, written without the module's helpers."""
    pool = sorted(entries, key=lambda entry: entry.entry_id.encode())
    key = b"carbonledger/lottery/v1/draw\n" + lottery_id.encode() + b"\n" + seed
    counter = 0

    def uniform(m: int) -> int:
        nonlocal counter
        while True:
            block = hashlib.sha256(key + struct.pack(">Q", counter)).digest()
            counter += 1
            (word,) = struct.unpack(">Q", block[:8])
            if word < 2**64 - 2**64 % m:
                return int(word % m)

    slots = [prize.prize_id for prize in prizes for _ in range(prize.count)]
    winners: list[Winner] = []
    won: set[str] = set()
    i = 0
    while i < len(pool) and len(winners) < len(slots):
        j = i + uniform(len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
        entry = pool[i]
        i += 1
        if one_per_account and entry.account in won:
            continue
        won.add(entry.account)
        winners.append(Winner(slots[len(winners)], entry.entry_id, entry.account))
    return winners


entry_lists = st.lists(
    st.builds(Entry, st.text(min_size=1, max_size=6), st.sampled_from(["a", "b", "c", "d", "é"])),
    max_size=30,
    unique_by=lambda entry: entry.entry_id,
)
prize_lists = st.lists(st.integers(1, 5), max_size=4).map(
    lambda counts: [Prize(f"p{i}", f"Prize {i}", count) for i, count in enumerate(counts)]
)


def test_new_seeds_are_fresh_and_full_length() -> None:
    first, second = new_seed(), new_seed()
    assert len(first) == SEED_LENGTH
    assert first != second


def test_commitment_follows_the_published_encoding() -> None:
    expected = hashlib.sha256(
        b"carbonledger/lottery/v1/commit\n" + LOTTERY.encode() + b"\n" + SEED
    ).hexdigest()
    assert commitment(SEED, LOTTERY) == expected
    assert expected == "f8c8e1e8bd692393d1d02da4fe5977d752e77172713160651ae5ec9546751126"
    assert commitment(SEED, LOTTERY) != commitment(SEED, LOTTERY + "-b")


@pytest.mark.parametrize(
    ("seed", "lottery_id", "message"),
    [
        (SEED[:16], LOTTERY, "a lottery seed is 32 bytes, not 16"),
        (SEED, "", "a lottery needs a non-empty id"),
    ],
)
def test_commitment_refuses_bad_inputs(seed: bytes, lottery_id: str, message: str) -> None:
    with pytest.raises(LotteryError, match=message):
        commitment(seed, lottery_id)


def test_entries_digest_follows_the_published_encoding() -> None:
    body = json.dumps(
        [{"account": e.account, "entry": e.entry_id} for e in ENTRIES], separators=(",", ":")
    ).encode()
    expected = hashlib.sha256(b"carbonledger/lottery/v1/entries\n" + body).hexdigest()
    assert entries_digest(reversed(ENTRIES)) == expected
    assert expected == "f4b1c2906511ba69cfbfba2b5957cb34208d552554ff5872df3471acc50733d6"


def test_entries_digest_changes_with_any_entry() -> None:
    digest = entries_digest(ENTRIES)
    assert entries_digest([*ENTRIES, Entry("e99", "acct-0")]) != digest
    assert entries_digest(ENTRIES[1:]) != digest
    assert entries_digest([replace(ENTRIES[0], account="acct-9"), *ENTRIES[1:]]) != digest


def test_entry_list_refuses_duplicates_and_blanks() -> None:
    with pytest.raises(LotteryError) as caught:
        sorted_entries([*ENTRIES, Entry("e03", "acct-1"), Entry("e05", "acct-2"), Entry("x", "")])
    assert str(caught.value) == (
        "entry ids appear more than once: e03, e05; every entry needs an entry id and an account"
    )


@given(entry_lists)
def test_canonical_order_is_utf8_byte_order(entries: list[Entry]) -> None:
    ordered = [entry.entry_id.encode() for entry in sorted_entries(entries)]
    assert ordered == sorted(ordered)


def test_prizes_are_checked() -> None:
    bad = [Prize("a", "A", 0), Prize("a", "A again", 1), Prize("b", "B", True), Prize("", "C", 2)]
    with pytest.raises(LotteryError) as caught:
        draw(LOTTERY, SEED, ENTRIES, bad, one_per_account=False)
    assert str(caught.value) == (
        "prize ids appear more than once: a; prize 'a' needs a count of at least 1, not 0; "
        "prize 'b' needs a count of at least 1, not True; every prize needs a prize id"
    )


def test_terms_digest_binds_prize_order_and_rule() -> None:
    digest = terms_digest(LOTTERY, PRIZES, one_per_account=False)
    terms = {
        "lottery": LOTTERY,
        "one_per_account": False,
        "prizes": [{"count": p.count, "id": p.prize_id, "name": p.name} for p in PRIZES],
    }
    tag = b"carbonledger/lottery/v1/terms\n"
    assert digest == hashlib.sha256(tag + canonical_json(terms)).hexdigest()
    assert terms_digest(LOTTERY, PRIZES[::-1], one_per_account=False) != digest
    assert terms_digest(LOTTERY, PRIZES, one_per_account=True) != digest


def test_draw_is_pinned() -> None:
    """A golden vector: any change to the rule changes these winners."""
    assert draw(LOTTERY, SEED, ENTRIES, PRIZES, one_per_account=False) == [
        Winner("movie", "e03", "acct-3"),
        Winner("coffee", "e04", "acct-0"),
        Winner("coffee", "e08", "acct-0"),
        Winner("coffee", "e09", "acct-1"),
    ]


def test_draw_is_deterministic_and_ignores_entry_order() -> None:
    winners = draw(LOTTERY, SEED, ENTRIES, PRIZES, one_per_account=False)
    assert draw(LOTTERY, SEED, ENTRIES[::-1], PRIZES, one_per_account=False) == winners
    assert draw(LOTTERY, seed_number(1), ENTRIES, PRIZES, one_per_account=False) != winners


@given(entry_lists, prize_lists, st.booleans(), st.binary(min_size=32, max_size=32))
def test_draw_matches_the_published_rule(
    entries: list[Entry], prizes: list[Prize], one_per_account: bool, seed: bytes
) -> None:
    assert draw(LOTTERY, seed, entries, prizes, one_per_account) == reference_draw(
        LOTTERY, seed, entries, prizes, one_per_account
    )


def test_uniform_rejects_words_beyond_the_last_full_range() -> None:
    """With m = 2^63 + 1 about half the words fall beyond the last full range and are retried,
    so this exercises the rejection branch that small m almost never reaches."""
    m = 2**63 + 1
    key = b"carbonledger/lottery/v1/draw\n" + LOTTERY.encode() + b"\n" + SEED
    raw = [
        int.from_bytes(hashlib.sha256(key + struct.pack(">Q", k)).digest()[:8], "big")
        for k in range(64)
    ]
    expected = [word for word in raw if word < 2**64 - 2**64 % m]
    words = _Words(LOTTERY, SEED)
    assert len(expected) < len(raw)
    assert [words.uniform(m) for _ in range(len(expected))] == expected  # word < m here


@given(entry_lists, prize_lists, st.binary(min_size=32, max_size=32))
def test_winners_are_distinct_entries(
    entries: list[Entry], prizes: list[Prize], seed: bytes
) -> None:
    winners = draw(LOTTERY, seed, entries, prizes, one_per_account=False)
    slots = [prize.prize_id for prize in prizes for _ in range(prize.count)]
    assert len(winners) == min(len(slots), len(entries))
    assert len({winner.entry_id for winner in winners}) == len(winners)
    assert {Entry(w.entry_id, w.account) for w in winners} <= set(entries)
    assert [winner.prize_id for winner in winners] == slots[: len(winners)]


@given(entry_lists, prize_lists, st.binary(min_size=32, max_size=32))
def test_one_prize_per_account(entries: list[Entry], prizes: list[Prize], seed: bytes) -> None:
    winners = draw(LOTTERY, seed, entries, prizes, one_per_account=True)
    accounts = {entry.account for entry in entries}
    assert len(winners) == min(sum(prize.count for prize in prizes), len(accounts))
    assert len({winner.account for winner in winners}) == len(winners)


def test_one_per_account_passes_over_entries_of_past_winners() -> None:
    """acct-0 holds 9 of 10 entries: it wins at most once, so the other account wins too."""
    entries = [Entry(f"e{i}", "acct-0") for i in range(9)] + [Entry("e9", "acct-1")]
    prizes = [Prize("coffee", "Coffee voucher", 5)]
    for i in range(50):
        winners = draw(LOTTERY, seed_number(i), entries, prizes, one_per_account=True)
        assert sorted(winner.account for winner in winners) == ["acct-0", "acct-1"]


def test_each_entry_wins_about_equally_often() -> None:
    """2,000 draws with fixed seeds: each of 10 entries expects 200 wins (σ ≈ 13.4)."""
    entries = [Entry(f"e{i}", f"acct-{i}") for i in range(10)]
    prizes = [Prize("movie", "Two cinema tickets", 1)]
    wins = Counter(
        draw(LOTTERY, seed_number(i), entries, prizes, one_per_account=False)[0].entry_id
        for i in range(2000)
    )
    assert set(wins) == {entry.entry_id for entry in entries}
    assert all(150 <= count <= 250 for count in wins.values()), wins


def test_later_slots_are_fair_too() -> None:
    """3 winners among 10 entries, 2,000 draws: each entry expects 600 wins (σ ≈ 20.5)."""
    entries = [Entry(f"e{i}", f"acct-{i}") for i in range(10)]
    prizes = [Prize("coffee", "Coffee voucher", 3)]
    wins = Counter(
        winner.entry_id
        for i in range(2000)
        for winner in draw(LOTTERY, seed_number(i), entries, prizes, one_per_account=False)
    )
    assert all(520 <= count <= 680 for count in wins.values()), wins


def test_no_entries_no_winners() -> None:
    assert draw(LOTTERY, SEED, [], PRIZES, one_per_account=False) == []
    assert draw(LOTTERY, SEED, ENTRIES, [], one_per_account=True) == []


def test_more_prizes_than_entries_every_entry_wins_in_prize_order() -> None:
    entries = ENTRIES[:3]
    winners = draw(LOTTERY, SEED, entries, PRIZES, one_per_account=False)
    assert sorted(winner.entry_id for winner in winners) == ["e00", "e01", "e02"]
    assert [winner.prize_id for winner in winners] == ["movie", "coffee", "coffee"]


def verify(**changes: object) -> None:
    arguments: dict[str, object] = {
        "lottery_id": LOTTERY,
        "seed": SEED,
        "commitment_hex": commitment(SEED, LOTTERY),
        "entries": ENTRIES,
        "entries_digest_hex": entries_digest(ENTRIES),
        "prizes": PRIZES,
        "one_per_account": False,
        "claimed_winners": draw(LOTTERY, SEED, ENTRIES, PRIZES, one_per_account=False),
        "terms_digest_hex": terms_digest(LOTTERY, PRIZES, one_per_account=False),
    }
    verify_draw(**{**arguments, **changes})  # type: ignore[arg-type]


def test_an_honest_draw_verifies() -> None:
    verify()
    verify(commitment_hex=commitment(SEED, LOTTERY).upper(), terms_digest_hex=None)


WINNERS = draw(LOTTERY, SEED, ENTRIES, PRIZES, one_per_account=False)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seed": seed_number(7)}, "the revealed seed does not match the commitment"),
        (
            {"entries": [*ENTRIES, Entry("e99", "acct-0")]},
            "the entry list differs from the one published when entries closed",
        ),
        (
            {"entries": [replace(ENTRIES[0], account="acct-3"), *ENTRIES[1:]]},
            "the entry list differs from the one published when entries closed",
        ),
        (
            {"prizes": PRIZES[::-1]},
            "the prizes or the draw rule differ from the terms published",
        ),
        (
            {"one_per_account": True},
            "the prizes or the draw rule differ from the terms published",
        ),
        (
            {"claimed_winners": [WINNERS[0], WINNERS[1], Winner("coffee", "e11", "acct-3")]},
            "winner 3 should be entry e08, not e11",
        ),
        (
            {"claimed_winners": [replace(WINNERS[0], prize_id="coffee"), *WINNERS[1:]]},
            "winner 1 (entry e03) should be prize movie for account acct-3, "
            "not prize coffee for account acct-3",
        ),
        ({"claimed_winners": WINNERS[:3]}, "the draw gives 4 winners, not 3"),
        (
            {"claimed_winners": [*WINNERS, Winner("coffee", "e00", "acct-0")]},
            "the draw gives 4 winners, not 5",
        ),
    ],
)
def test_a_dishonest_draw_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(LotteryError, match=f"^{re.escape(message)}$"):
        verify(**changes)


def test_record_round_trips_canonically() -> None:
    record = record_draw(LOTTERY, SEED, ENTRIES[::-1], PRIZES, one_per_account=True)
    data = record.encode()
    assert data == canonical_json(json.loads(data))
    assert LotteryRecord.decode(data) == record
    assert record.entries == tuple(ENTRIES)
    assert json.loads(data)["seed"] == SEED.hex()
    verify_record(LotteryRecord.decode(data))


def test_record_with_swapped_winners_is_refused() -> None:
    record = record_draw(LOTTERY, SEED, ENTRIES, PRIZES, one_per_account=False)
    swapped = (record.winners[1], record.winners[0], *record.winners[2:])
    with pytest.raises(LotteryError, match=r"^winner 1 should be entry e03, not e04$"):
        verify_record(replace(record, winners=swapped))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"v": 2}, "unknown lottery record version 2"),
        ({"seed": "zz"}, "not a Carbon Ledger lottery record: ValueError"),
        ({"one_per_account": 1}, "lottery record field 'one_per_account' should be bool, not 1"),
        ({"prizes": [{"id": "a", "name": "A", "count": "3"}]}, "field 'count' should be int"),
        ({"entries": [{"entry": "e00"}]}, "not a Carbon Ledger lottery record: KeyError"),
        ({"winners": {}}, "field 'winners' should be list, not {}"),
    ],
)
def test_record_decode_names_the_problem(change: dict[str, object], message: str) -> None:
    body = record_draw(LOTTERY, SEED, ENTRIES, PRIZES, one_per_account=False).to_json()
    with pytest.raises(LotteryError, match=re.escape(message)):
        LotteryRecord.decode(json.dumps({**body, **change}).encode())


def test_record_decode_refuses_what_is_not_json() -> None:
    with pytest.raises(LotteryError, match="not a Carbon Ledger lottery record"):
        LotteryRecord.decode(b"[1, 2")
