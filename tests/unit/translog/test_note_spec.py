"""C2SP signed-note and tlog-cosignature rules the code must keep, each from the text: control
characters refused, signatures of unknown keys ignored, at least 16 signatures accepted, a
cosignature's timestamp at most 2^63-1."""

from __future__ import annotations

import struct

import pytest

from carbonledger.translog.checkpoint import (
    COSIGNATURE_TYPE,
    CheckpointError,
    cosign,
    cosignature_key_id,
    verify_cosignature,
)
from carbonledger.translog.note import (
    NoteError,
    generate_signer,
    open_note,
    sign_note,
    signature_line,
)

TEXT = "example.com/log\n3\n" + "A" * 43 + "=\n"


def test_a_control_character_is_refused() -> None:
    log = generate_signer("example.com/log")
    with pytest.raises(NoteError, match="control characters"):
        open_note(sign_note(TEXT.replace("3", "3\t"), [log]), [log.verifier()])


def test_unknown_signatures_are_ignored_and_sixteen_are_accepted() -> None:
    log = generate_signer("example.com/log")
    others = [generate_signer(f"other{n}.example") for n in range(15)]
    note = sign_note(TEXT, [*others, log])
    opened = open_note(note, [log.verifier()])
    assert len(opened.verified) == 1 and len(opened.others) == 15


def test_a_cosignature_timestamp_beyond_two_to_the_63_is_refused() -> None:
    witness = generate_signer("witness.example", COSIGNATURE_TYPE)
    log = generate_signer("example.com/log")
    note = sign_note(TEXT, [log])
    assert verify_cosignature(note + cosign(TEXT, witness, 2**63 - 1), witness.verifier()) == (
        2**63 - 1
    )
    kid = cosignature_key_id(witness.name, witness.public_key)
    late = signature_line(witness.name, kid, struct.pack(">Q", 2**63) + bytes(64))
    with pytest.raises(CheckpointError, match="2\\^63-1"):
        verify_cosignature(note + late, witness.verifier())
