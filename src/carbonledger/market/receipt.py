"""A retirement's receipt: the leaf's bytes, its inclusion proof and the signed checkpoint it
is proved under (RFC 9162 §2.1.3), so anyone holding the certificate and the log's public key
can check that the retirement is in the log, offline. `check` does that check."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy.engine import Connection

from carbonledger.errors import Conflict
from carbonledger.market.leaf import RetirementLeaf
from carbonledger.translog import merkle, proofs
from carbonledger.translog import repository as log_repo
from carbonledger.translog.checkpoint import open_checkpoint
from carbonledger.translog.leaves import decode_leaf
from carbonledger.translog.note import NoteError, parse_verifier_key


def receipt(conn: Connection, leaf_index: int) -> dict[str, Any]:
    latest = log_repo.latest_checkpoint(conn)
    if latest is None or latest.size <= leaf_index:
        raise Conflict(
            "the retirement is not under a signed checkpoint yet; ask again in a few seconds",
            code="not_checkpointed",
        )
    return {
        "leaf_index": leaf_index,
        "leaf": base64.b64encode(log_repo.entry(conn, leaf_index)).decode(),
        "checkpoint": latest.note,
        "proof": [
            base64.b64encode(h).decode() for h in proofs.inclusion(conn, leaf_index, latest.size)
        ],
    }


def check(body: dict[str, Any], log_key: str) -> RetirementLeaf:
    """The retirement the receipt proves; ValueError naming what fails."""
    try:
        checkpoint, _ = open_checkpoint(body["checkpoint"], parse_verifier_key(log_key))
    except NoteError as error:
        raise ValueError(f"the receipt's checkpoint: {error}") from None
    leaf = base64.b64decode(body["leaf"])
    try:
        merkle.verify_inclusion(
            merkle.leaf_hash(leaf),
            body["leaf_index"],
            checkpoint.size,
            [base64.b64decode(h) for h in body["proof"]],
            checkpoint.root,
        )
    except merkle.ProofError as error:
        raise ValueError(f"the leaf is not in the log: {error}") from None
    decoded = decode_leaf(leaf)
    if not isinstance(decoded, RetirementLeaf):
        raise ValueError("the receipt's leaf is not a retirement")
    return decoded


def dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), sort_keys=True)
