"""Receipts (C2SP tlog-proof): the golden vector is rebuilt byte for byte, verifies offline with
the log's key and the witness's, and every change to it is refused with the part named."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from carbonledger.translog.leaves import Leaf
from carbonledger.translog.note import parse_verifier_key
from carbonledger.translog.receipts import ReceiptError, parse_receipt, verify_receipt
from tests.vectors.receipts import make

VECTORS = Path(__file__).parents[2] / "vectors" / "receipts"
GOLDEN = (VECTORS / "credit.tlog-proof").read_text()
LOG = parse_verifier_key((VECTORS / "log.vkey").read_text())
WITNESS = parse_verifier_key((VECTORS / "witness.vkey").read_text())


def test_the_golden_receipt_is_rebuilt_byte_for_byte() -> None:
    assert make.receipt() == GOLDEN
    assert GOLDEN.startswith("c2sp.org/tlog-proof@v1\nextra ")


def test_the_golden_receipt_verifies_with_the_log_and_witness_keys() -> None:
    checked = verify_receipt(GOLDEN, LOG, [WITNESS])
    assert (checked.index, checked.checkpoint.size) == (3, 5)
    assert checked.cosigned == (("witness.example", make.TIME),)
    assert isinstance(checked.leaf, Leaf) and checked.leaf.reduction_mg == 214_200


def _with_leaf(text: str, leaf: bytes) -> str:
    lines = text.split("\n")
    lines[1] = "extra " + base64.b64encode(leaf).decode()
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        (lambda t: t.replace("index 3", "index 2"), "leaf 2 is not proven"),
        (lambda t: t.replace("index 3", "index 03"), "no leading zeroes"),
        (
            lambda t: _with_leaf(t, parse_receipt(t).leaf.replace(b"214200", b"314200")),
            "leaf 3 is not proven",
        ),
        (lambda t: t.replace("c2sp.org/tlog-proof@v1", "tlog-proof"), "begins with the line"),
        (lambda t: t.replace("\n5\n", "\n6\n"), "the checkpoint: the signature"),
        (lambda t: t.replace("gw2A2vXX", "gw2A2vXY"), "leaf 3 is not proven"),
        (lambda t: t.replace("eQqKDQAAAABr", "eQqKDQAAAABs"), "witness.example does not verify"),
        (lambda t: t.replace("\n\nexample.com", "\nexample.com"), "proof line 4 is not base64"),
        (lambda t: t.split("\n\n")[0], "an empty line"),
        (lambda t: _with_leaf(t, b'{"v":9}'), "the extra line: unknown leaf version 9"),
    ],
)
def test_a_changed_receipt_is_refused_naming_the_part(changed: object, named: str) -> None:
    with pytest.raises(ReceiptError, match=named):
        verify_receipt(changed(GOLDEN), LOG, [WITNESS])  # type: ignore[operator]


def test_a_receipt_of_another_log_is_refused() -> None:
    other = make.signer_from_private_bytes("example.com/carbonledger", bytes(32))
    with pytest.raises(ReceiptError, match="no signature by a known key"):
        verify_receipt(GOLDEN, other.verifier())
