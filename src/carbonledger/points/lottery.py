"""Verifiable lotteries (抽奖): a commit-reveal draw that anyone can recompute. Pure.

A lottery (the clean-plate check-in lottery, say) has entries, earned by a behaviour or bought
with points, and prizes from merchants. Its draw is public:

1. When the lottery opens the operator picks a secret seed (`new_seed`) and publishes, in the
   log, `commitment(seed, lottery_id)` and `terms_digest(lottery_id, prizes, one_per_account)`.
2. When entries close it publishes `entries_digest(entries)`; the entry list cannot change later
   without the digest giving it away.
3. After close it reveals the seed. The winners follow from the seed, the entries and the terms
   by the rule below, so `carbonledger lottery verify` recomputes them from a `LotteryRecord`
   (whose three digests the verifier must also find in the log, the commitment before close).

An entry names its holder only by their name in that lottery, never by personal data. An
account may hold several entries; each is one chance to win, and each entry wins at most once.

The published rule, version 1. SHA-256 throughout; strings are UTF-8; `‖` joins bytes;
`u64be(k)` is k as 8 bytes big-endian; JCS is RFC 8785 canonical JSON; "\\n" is byte 0x0A.

- Seed: exactly 32 bytes. Commitment: hex(SHA-256("carbonledger/lottery/v1/commit\\n" ‖
  lottery_id ‖ "\\n" ‖ seed)).
- Entry list: the entries sorted by entry_id in code-point order (the same as UTF-8 byte order);
  entry ids and accounts are non-empty, entry ids unique. Entries digest:
  hex(SHA-256("carbonledger/lottery/v1/entries\\n" ‖ JCS([{"account": a, "entry": e}, ...])))
  over the sorted list.
- Terms digest: hex(SHA-256("carbonledger/lottery/v1/terms\\n" ‖ JCS({"lottery": lottery_id,
  "one_per_account": true|false, "prizes": [{"count": c, "id": p, "name": n}, ...]}))) with the
  prizes in their published order (prize ids non-empty and unique, counts ≥ 1).
- Random words: word k (k = 0, 1, 2, ...) is the first 8 bytes, read big-endian, of
  SHA-256("carbonledger/lottery/v1/draw\\n" ‖ lottery_id ‖ "\\n" ‖ seed ‖ u64be(k)). Words are
  taken in order, each once, across the whole draw.
- uniform(m) for m ≥ 1: limit = 2^64 − (2^64 mod m); take the next word w; if w < limit the
  result is w mod m, otherwise discard w and take another (rejection makes each result equally
  likely). uniform(1) still takes a word.
- Prize slots: each prize repeated `count` times, in the order of the prize list.
- Draw (a partial Fisher–Yates shuffle): L is the sorted entry list, n its length. For
  i = 0, 1, ..., n − 1, while a slot is left: j = i + uniform(n − i); swap L[i] and L[j]; L[i]
  is drawn. With one_per_account, a drawn entry whose account already holds a prize is passed
  over (it wins nothing and the draw goes on); otherwise it takes the next slot. Winners are
  listed in slot order.

So the number of winners is min(slots, n), or with one_per_account min(slots, distinct accounts).

What the commitment does not prevent: an operator knows its seed before entries close, so it
could add entries of its own that it knows would win. Only the entry list (whose accounts are
public) shows that; mixing in public randomness fixed after close would need a version 2.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any, TypeVar

from carbonledger.canonical import canonical_json

SEED_LENGTH = 32
RECORD_VERSION = 1
_COMMIT_TAG = b"carbonledger/lottery/v1/commit\n"
_ENTRIES_TAG = b"carbonledger/lottery/v1/entries\n"
_TERMS_TAG = b"carbonledger/lottery/v1/terms\n"
_DRAW_TAG = b"carbonledger/lottery/v1/draw\n"
_ID_SEPARATOR = b"\n"
_WORD_BYTES = 8
_COUNTER_BYTES = 8
_WORD_RANGE = 1 << (8 * _WORD_BYTES)
_T = TypeVar("_T")


class LotteryError(ValueError):
    """A lottery's inputs are unusable, or its published draw does not check out."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One chance to win, held by `account` (a public pseudonym)."""

    entry_id: str
    account: str


@dataclass(frozen=True, slots=True)
class Prize:
    """`count` identical prizes, e.g. 10 vouchers from one merchant."""

    prize_id: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Winner:
    prize_id: str
    entry_id: str
    account: str


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_LENGTH)


def _check_id(lottery_id: str) -> bytes:
    if not lottery_id:
        raise LotteryError("a lottery needs a non-empty id")
    return lottery_id.encode()


def _check_seed(seed: bytes) -> bytes:
    if len(seed) != SEED_LENGTH:
        raise LotteryError(f"a lottery seed is {SEED_LENGTH} bytes, not {len(seed)}")
    return seed


def commitment(seed: bytes, lottery_id: str) -> str:
    """The hex digest published before entries close, binding the operator to `seed`."""
    body = _COMMIT_TAG + _check_id(lottery_id) + _ID_SEPARATOR + _check_seed(seed)
    return hashlib.sha256(body).hexdigest()


def sorted_entries(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """The canonical entry list: sorted by entry_id; every duplicated or empty id is refused."""
    ordered = tuple(sorted(entries, key=lambda entry: entry.entry_id))
    problems = _repeated("entry", [entry.entry_id for entry in ordered])
    if any(not entry.entry_id or not entry.account for entry in ordered):
        problems.append("every entry needs an entry id and an account")
    if problems:
        raise LotteryError("; ".join(problems))
    return ordered


def _repeated(kind: str, ids: Iterable[str]) -> list[str]:
    repeated = sorted(id_ for id_, n in Counter(ids).items() if n > 1)
    return [f"{kind} ids appear more than once: {', '.join(repeated)}"] if repeated else []


def _entries_json(ordered: Sequence[Entry]) -> list[dict[str, str]]:
    return [{"account": entry.account, "entry": entry.entry_id} for entry in ordered]


def entries_digest(entries: Iterable[Entry]) -> str:
    """The hex digest published when entries close."""
    body = canonical_json(_entries_json(sorted_entries(entries)))
    return hashlib.sha256(_ENTRIES_TAG + body).hexdigest()


def _check_prizes(prizes: Sequence[Prize]) -> None:
    problems = _repeated("prize", [prize.prize_id for prize in prizes])
    problems += [
        f"prize {p.prize_id!r} needs a count of at least 1, not {p.count!r}"
        for p in prizes
        if type(p.count) is not int or p.count < 1
    ]
    if any(not prize.prize_id for prize in prizes):
        problems.append("every prize needs a prize id")
    if problems:
        raise LotteryError("; ".join(problems))


def _prizes_json(prizes: Sequence[Prize]) -> list[dict[str, Any]]:
    return [{"count": p.count, "id": p.prize_id, "name": p.name} for p in prizes]


def terms_digest(lottery_id: str, prizes: Sequence[Prize], one_per_account: bool) -> str:
    """The hex digest of what is won and how, published before the seed is revealed: the order
    of the prizes decides which winner gets which prize, so it must not change after."""
    _check_id(lottery_id)
    _check_prizes(prizes)
    terms = {
        "lottery": lottery_id,
        "one_per_account": one_per_account,
        "prizes": _prizes_json(prizes),
    }
    return hashlib.sha256(_TERMS_TAG + canonical_json(terms)).hexdigest()


class _Words:
    """The draw's stream of uniform integers (the rule's "random words" and "uniform")."""

    def __init__(self, lottery_id: str, seed: bytes) -> None:
        self._key = _DRAW_TAG + _check_id(lottery_id) + _ID_SEPARATOR + _check_seed(seed)
        self._counter = 0

    def _next_word(self) -> int:
        block = hashlib.sha256(self._key + self._counter.to_bytes(_COUNTER_BYTES, "big"))
        self._counter += 1
        return int.from_bytes(block.digest()[:_WORD_BYTES], "big")

    def uniform(self, m: int) -> int:
        limit = _WORD_RANGE - _WORD_RANGE % m
        while True:
            word = self._next_word()
            if word < limit:
                return word % m


def _shuffled(pool: list[Entry], words: _Words) -> Iterator[Entry]:
    """Entries in draw order; lazy, so no word is taken once every slot is filled."""
    n = len(pool)
    for i in range(n):
        j = i + words.uniform(n - i)
        pool[i], pool[j] = pool[j], pool[i]
        yield pool[i]


def draw(
    lottery_id: str,
    seed: bytes,
    entries: Iterable[Entry],
    prizes: Sequence[Prize],
    one_per_account: bool,
) -> list[Winner]:
    """The winners in slot order, by the published rule (see the module docstring)."""
    pool = list(sorted_entries(entries))
    _check_prizes(prizes)
    drawn = _shuffled(pool, _Words(lottery_id, seed))
    slots = chain.from_iterable(repeat(prize.prize_id, prize.count) for prize in prizes)
    winners: list[Winner] = []
    accounts_won: set[str] = set()
    for prize_id in slots:
        entry = next(
            (e for e in drawn if not (one_per_account and e.account in accounts_won)), None
        )
        if entry is None:
            break
        accounts_won.add(entry.account)
        winners.append(Winner(prize_id, entry.entry_id, entry.account))
    return winners


def verify_draw(
    lottery_id: str,
    seed: bytes,
    commitment_hex: str,
    entries: Iterable[Entry],
    entries_digest_hex: str,
    prizes: Sequence[Prize],
    one_per_account: bool,
    claimed_winners: Sequence[Winner],
    *,
    terms_digest_hex: str | None = None,
) -> None:
    """Check a revealed draw against what was published; raise LotteryError at the first
    discrepancy. Winners are numbered from 1 in messages."""
    entries = sorted_entries(entries)
    if commitment(seed, lottery_id) != commitment_hex.lower():
        raise LotteryError("the revealed seed does not match the commitment")
    if entries_digest(entries) != entries_digest_hex.lower():
        raise LotteryError("the entry list differs from the one published when entries closed")
    expected_terms = terms_digest(lottery_id, prizes, one_per_account)
    if terms_digest_hex is not None and expected_terms != terms_digest_hex.lower():
        raise LotteryError("the prizes or the draw rule differ from the terms published")
    expected = draw(lottery_id, seed, entries, prizes, one_per_account)
    for number, (want, got) in enumerate(zip(expected, claimed_winners, strict=False), 1):
        if want.entry_id != got.entry_id:
            raise LotteryError(
                f"winner {number} should be entry {want.entry_id}, not {got.entry_id}"
            )
        if want != got:
            raise LotteryError(
                f"winner {number} (entry {want.entry_id}) should be prize {want.prize_id} for "
                f"account {want.account}, not prize {got.prize_id} for account {got.account}"
            )
    if len(expected) != len(claimed_winners):
        raise LotteryError(f"the draw gives {len(expected)} winners, not {len(claimed_winners)}")


@dataclass(frozen=True, slots=True)
class LotteryRecord:
    """A drawn lottery's public artefacts, as published and as read by `carbonledger lottery
    verify`. The entries are in canonical order; the winners in slot order."""

    lottery_id: str
    commitment: str
    terms_digest: str
    entries_digest: str
    one_per_account: bool
    prizes: tuple[Prize, ...]
    entries: tuple[Entry, ...]
    seed: bytes
    winners: tuple[Winner, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "v": RECORD_VERSION,
            "lottery": self.lottery_id,
            "commitment": self.commitment,
            "terms_digest": self.terms_digest,
            "entries_digest": self.entries_digest,
            "one_per_account": self.one_per_account,
            "prizes": _prizes_json(self.prizes),
            "entries": _entries_json(self.entries),
            "seed": self.seed.hex(),
            "winners": [
                {"account": w.account, "entry": w.entry_id, "prize": w.prize_id}
                for w in self.winners
            ],
        }

    def encode(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def decode(cls, data: bytes) -> LotteryRecord:
        """Parse a record's bytes; raise LotteryError naming what is wrong."""
        try:
            body = json.loads(data)
            if body.get("v") != RECORD_VERSION:
                raise LotteryError(f"unknown lottery record version {body.get('v')!r}")
            prizes = _field(body, "prizes", list)
            entries = _field(body, "entries", list)
            winners = _field(body, "winners", list)
            return cls(
                lottery_id=_field(body, "lottery", str),
                commitment=_field(body, "commitment", str),
                terms_digest=_field(body, "terms_digest", str),
                entries_digest=_field(body, "entries_digest", str),
                one_per_account=_field(body, "one_per_account", bool),
                prizes=tuple(
                    Prize(_field(p, "id", str), _field(p, "name", str), _field(p, "count", int))
                    for p in prizes
                ),
                entries=tuple(Entry(*_fields(e, "entry", "account")) for e in entries),
                seed=bytes.fromhex(_field(body, "seed", str)),
                winners=tuple(Winner(*_fields(w, "prize", "entry", "account")) for w in winners),
            )
        except LotteryError:
            raise
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            raise LotteryError(f"not a Carbon Ledger lottery record: {error!r}") from None


def _field(body: Any, key: str, kind: type[_T]) -> _T:
    value = body[key]
    # Exact type: JSON true is not a count, and 1 is not a flag.
    if type(value) is not kind:
        raise LotteryError(f"lottery record field {key!r} should be {kind.__name__}, not {value!r}")
    return value


def _fields(body: Any, *keys: str) -> list[str]:
    return [_field(body, key, str) for key in keys]


def record_draw(
    lottery_id: str,
    seed: bytes,
    entries: Iterable[Entry],
    prizes: Sequence[Prize],
    one_per_account: bool,
) -> LotteryRecord:
    """Draw the lottery and gather everything a verifier needs."""
    ordered = sorted_entries(entries)
    return LotteryRecord(
        lottery_id=lottery_id,
        commitment=commitment(seed, lottery_id),
        terms_digest=terms_digest(lottery_id, prizes, one_per_account),
        entries_digest=entries_digest(ordered),
        one_per_account=one_per_account,
        prizes=tuple(prizes),
        entries=ordered,
        seed=seed,
        winners=tuple(draw(lottery_id, seed, ordered, prizes, one_per_account)),
    )


def verify_record(record: LotteryRecord) -> None:
    """Recompute a record's draw; raise LotteryError at the first discrepancy. The caller must
    still find the record's commitment, terms and entries digests in the log."""
    verify_draw(
        record.lottery_id,
        record.seed,
        record.commitment,
        record.entries,
        record.entries_digest,
        record.prizes,
        record.one_per_account,
        record.winners,
        terms_digest_hex=record.terms_digest,
    )
