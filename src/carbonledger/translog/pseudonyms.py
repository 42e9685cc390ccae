"""The names a citizen goes by in public (PARTNER_API.md §5): one per day and scenario in the
log, one per lottery in a lottery's record. Pure.

Each name is derived from the citizen's own secret key (`pseudonym_key`, 32 random bytes the
platform holds and destroys when the account is deleted), so without it nobody can tell that two
names are the same person's, and after deletion nobody at all can.

In the log a credit names its citizen by the day's pseudonym for its scenario: the same for every
credit of that citizen, local day and scenario, so each daily cap per scenario stays checkable
across partners, and unrelated to any other day or scenario, so a partner that knows one leaf
is its user's learns nothing of what that person did on other days or in other scenarios. (Two
partners of one scenario see each other's credits of their common user on a day: the price of a
cap anyone can check.) The pseudonym is a hash of an *opening*, a secret of its own: showing
the opening proves those leaves are yours (the ledger page does so in the browser) without
giving away any other day or scenario. A leaf names its record by a tag, a hash of the record's
id: a record id is a ULID, whose first 48 bits are the time it was received, and a leaf carries
no time of day.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import date

_OPENING_LABEL = b"carbonledger/log/day-opening/v2\n"
_ACCOUNT_LABEL = b"carbonledger/log/day-account/v2\n"
_RECORD_LABEL = b"carbonledger/log/record/v2\n"
_LOTTERY_LABEL = b"carbonledger/lottery/entrant/v2\n"
_ENTRY_LABEL = b"carbonledger/lottery/earned-entry/v2\n"
NAME_HEX = 32


def day_opening(pseudonym_key: bytes, day: date, scenario: str) -> bytes:
    """The citizen's secret for one local day and scenario:
    HMAC-SHA-256(key, label ‖ YYYY-MM-DD ‖ 0x0A ‖ scenario)."""
    message = _OPENING_LABEL + day.isoformat().encode() + b"\n" + scenario.encode()
    return hmac.new(pseudonym_key, message, "sha256").digest()


def account_of_opening(opening: bytes) -> str:
    """The day's pseudonym in the log: the first 16 bytes of SHA-256(label ‖ opening), hex."""
    return hashlib.sha256(_ACCOUNT_LABEL + opening).hexdigest()[:NAME_HEX]


def day_pseudonym(pseudonym_key: bytes, day: date, scenario: str) -> str:
    """The name of the citizen's credits of `day` and `scenario` in the log."""
    return account_of_opening(day_opening(pseudonym_key, day, scenario))


def record_tag(record_id: str) -> str:
    """How a v2 leaf names a record: the first 16 bytes of SHA-256(label ‖ record id), hex."""
    return hashlib.sha256(_RECORD_LABEL + record_id.encode()).hexdigest()[:NAME_HEX]


def lottery_name(pseudonym_key: bytes, lottery_id: str) -> str:
    """The citizen's name in one lottery's public record: the same for all their entries in it
    (so one prize per person is checkable), unrelated to any other lottery or to the log."""
    keyed = hmac.new(pseudonym_key, _LOTTERY_LABEL + lottery_id.encode(), "sha256")
    return keyed.hexdigest()[:NAME_HEX]


def earned_entry_tag(pseudonym_key: bytes, lottery_id: str, record_id: str) -> str:
    """The public id of an entry earned by a credit: keyed, so the lottery's list of entries
    cannot be joined to the log's leaves (which would tie one citizen's days together)."""
    message = _ENTRY_LABEL + lottery_id.encode() + b"\n" + record_id.encode()
    return hmac.new(pseudonym_key, message, "sha256").hexdigest()[:NAME_HEX]


def day_openings(pseudonym_key: bytes | None, credits: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The hex openings of the given (ISO day, scenario) pairs, keyed "day/scenario", for the
    citizen's own pages; none once the key is destroyed."""
    if pseudonym_key is None:
        return {}
    return {
        f"{day}/{scenario}": day_opening(pseudonym_key, date.fromisoformat(day), scenario).hex()
        for day, scenario in set(credits)
    }
