"""Third-party verifiers (第三方核证机构): registered by the operator with their own Ed25519 key,
they sign a lot's manifest with their own tool (`carbonledger registry sign`, or the API).

A signature is checked against the manifest in a read transaction (`check`) and stored in a
short write transaction (`store`): no signature check runs while the write lock is held.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.engine import Connection

from carbonledger.errors import Conflict, InvalidInput, NotFound
from carbonledger.market import repository as repo
from carbonledger.market import signing
from carbonledger.market.lots import get_lot, manifest_of

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def register(
    conn: Connection, verifier_id: str, name: str, key_b64: str, by: str, now: datetime
) -> None:
    problems = []
    if not _ID.match(verifier_id):
        problems.append("a verifier id is 2-64 lower-case letters, digits, '.', '_' or '-'")
    if not name.strip() or len(name) > 200:
        problems.append("a verifier needs a name of at most 200 characters")
    key = b""
    try:
        key = signing.decode_key(key_b64)
    except signing.BadSignature as error:
        problems.append(str(error))
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_verifier")
    if repo.verifier(conn, verifier_id) is not None:
        raise Conflict(f"a verifier {verifier_id} is registered already", code="verifier_exists")
    if repo.verifier_by_key(conn, key) is not None:
        raise Conflict("another verifier is registered with this key", code="verifier_key_used")
    repo.insert_verifier(
        conn,
        {
            "id": verifier_id,
            "name": name.strip(),
            "public_key": key,
            "registered_by": by,
            "registered_at": now,
        },
    )


def check(conn: Connection, number: int, verifier_id: str, signature_b64: str) -> bytes:
    """The decoded signature, once it verifies over lot `number`'s manifest under the
    verifier's registered key; a clear error otherwise."""
    verifier = repo.verifier(conn, verifier_id)
    if verifier is None:
        raise NotFound(f"there is no registered verifier {verifier_id}", code="unknown_verifier")
    lot = get_lot(conn, number)
    try:
        signature = signing.decode_signature(signature_b64)
        signing.check(bytes(verifier.public_key), manifest_of(lot), signature)
    except signing.BadSignature as error:
        raise InvalidInput(str(error), code="bad_signature") from None
    return signature


def store(conn: Connection, number: int, verifier_id: str, signature: bytes, now: datetime) -> bool:
    """Keep a checked signature; False when this verifier had signed the lot already."""
    lot = get_lot(conn, number, lock=True)
    if lot.status != "notice":
        raise Conflict(f"lot {number} is issued; it was signed before", code="lot_issued")
    return repo.insert_signature(
        conn, {"lot": number, "verifier": verifier_id, "signature": signature, "signed_at": now}
    )
