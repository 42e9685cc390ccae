"""Receipts: a credit's proof of inclusion that anyone can check offline with nothing but the
log's verifier key, in the C2SP tlog-proof form (`c2sp.org/tlog-proof@v1`). Pure.

    c2sp.org/tlog-proof@v1
    extra <base64 of the leaf's bytes>
    index <leaf index>
    <inclusion proof hashes, base64, one per line, from the leaf's sibling up>

    <the checkpoint, verbatim: the log's signature and the witnesses' cosignatures>

The `extra` line carries the leaf itself, so a receipt alone says what was credited; it is not
trusted as such: its hash must lead, through the proof, to the root the log signed.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from carbonledger.market.leaf import RetirementLeaf
from carbonledger.translog import merkle
from carbonledger.translog.checkpoint import Checkpoint, cosignature_time, open_checkpoint
from carbonledger.translog.leaves import Leaf, LotteryLeaf, decode_leaf
from carbonledger.translog.note import NoteError, Verifier

HEADER = "c2sp.org/tlog-proof@v1"
MEDIA_TYPE = "text/plain; charset=utf-8"
FILE_SUFFIX = ".tlog-proof"
_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")
_MAX_PROOF = 63


class ReceiptError(ValueError):
    """A receipt is malformed or does not verify; the message says which part."""


@dataclass(frozen=True, slots=True)
class Receipt:
    leaf: bytes
    index: int
    proof: tuple[bytes, ...]
    note: str

    def encode(self) -> str:
        lines = [
            HEADER,
            "extra " + base64.b64encode(self.leaf).decode(),
            f"index {self.index}",
            *(base64.b64encode(h).decode() for h in self.proof),
        ]
        return "\n".join(lines) + "\n\n" + self.note


@dataclass(frozen=True, slots=True)
class CheckedReceipt:
    """A receipt that verified: its leaf, where it is, the checkpoint, and which of the given
    witnesses cosigned it (name and cosignature time)."""

    leaf: Leaf | LotteryLeaf | RetirementLeaf
    index: int
    checkpoint: Checkpoint
    cosigned: tuple[tuple[str, int], ...]


def _base64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ReceiptError(f"{what} is not base64") from None


def parse_receipt(text: str) -> Receipt:
    """Read a receipt; raise ReceiptError naming the first thing that is not as specified."""
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise ReceiptError("a receipt is the proof lines, an empty line, then the checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise ReceiptError(f"a receipt begins with the line {HEADER!r}")
    if len(lines) < 3 or not lines[1].startswith("extra "):
        raise ReceiptError("a Carbon Ledger receipt carries its leaf on an `extra` line")
    leaf = _base64(lines[1][len("extra ") :], "the extra line")
    if not lines[2].startswith("index ") or not _DECIMAL.match(lines[2][len("index ") :]):
        raise ReceiptError("the line after `extra` is `index <decimal, no leading zeroes>`")
    proof = tuple(_base64(line, f"proof line {n + 1}") for n, line in enumerate(lines[3:]))
    if len(proof) > _MAX_PROOF or any(len(h) != merkle.HASH_SIZE for h in proof):
        raise ReceiptError("the inclusion proof is up to 63 SHA-256 hashes of 32 bytes")
    return Receipt(leaf, int(lines[2][len("index ") :]), proof, note)


def verify_receipt(text: str, log: Verifier, witnesses: Sequence[Verifier] = ()) -> CheckedReceipt:
    """Check a receipt against the log's key: the checkpoint is the log's and signed by it, the
    leaf is a Carbon Ledger leaf, and its hash is included under the signed root. Witnesses
    given are checked too: a cosignature by one of them must verify if present."""
    receipt = parse_receipt(text)
    try:
        checkpoint, _ = open_checkpoint(receipt.note, log)
    except NoteError as error:
        raise ReceiptError(f"the checkpoint: {error}") from None
    cosigned = []
    for witness in witnesses:
        try:
            timestamp = cosignature_time(receipt.note, witness)
        except NoteError as error:
            raise ReceiptError(f"the checkpoint: {error}") from None
        if timestamp is not None:
            cosigned.append((witness.name, timestamp))
    try:
        leaf = decode_leaf(receipt.leaf)
    except ValueError as error:
        raise ReceiptError(f"the extra line: {error}") from None
    try:
        merkle.verify_inclusion(
            merkle.leaf_hash(receipt.leaf),
            receipt.index,
            checkpoint.size,
            receipt.proof,
            checkpoint.root,
        )
    except ValueError as error:
        raise ReceiptError(
            f"leaf {receipt.index} is not proven in the tree of size {checkpoint.size}: {error}"
        ) from None
    return CheckedReceipt(leaf, receipt.index, checkpoint, tuple(cosigned))
