"""Voucher codes at rest (券码). A code is a bearer secret: a merchant accepts it from whoever
shows it. So the database keeps a code only as its keyed hash (HMAC-SHA256 under the hash key),
by which a merchant's till finds the voucher, and encrypted (AES-256-GCM under the data key), so
the citizen who holds it can still be shown it; a copy of the database or a backup holds no code
anyone can use. Redeemed rewards' and lottery prizes' vouchers are kept alike. Pure."""

from __future__ import annotations

from typing import Any

from carbonledger.accounts.protection import decrypt, encrypt, keyed_hash
from carbonledger.keys import Keys
from carbonledger.rewards.rules import normalize_voucher

# What `keyed_hash` and `encrypt` bind the code to: neither ever equals a phone's or a name's.
HASH_PURPOSE = "voucher_code"
ENCRYPTION_PURPOSE = "voucher_code"
KEPT = ("voucher_hash", "voucher_enc")  # the columns that keep a code


def voucher_hash(keys: Keys, code: str) -> bytes:
    """What a voucher is looked up by: the keyed hash of the code as a till types it."""
    return keyed_hash(keys.hash_key, HASH_PURPOSE, normalize_voucher(code))


def kept(keys: Keys, code: str) -> dict[str, bytes]:
    """The stored columns (`KEPT`) of a newly issued code."""
    return {
        "voucher_hash": voucher_hash(keys, code),
        "voucher_enc": encrypt(keys.data_key, code, ENCRYPTION_PURPOSE),
    }


def shown(keys: Keys, row: Any) -> str:
    """The code of a stored voucher (a row with `voucher_enc`), for the citizen who holds it or
    the merchant who was shown it."""
    return decrypt(keys.data_key, bytes(row.voucher_enc), ENCRYPTION_PURPOSE)
