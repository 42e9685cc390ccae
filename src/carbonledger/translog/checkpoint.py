"""C2SP tlog-checkpoint and tlog-cosignature.

A checkpoint's body is `<origin>\\n<size>\\n<base64 root>\\n` plus optional extension lines; the
log signs it as a signed note. A witness cosigns with a cosignature/v1 key (type 0x04): the
signed message is `cosignature/v1\\ntime <unix seconds>\\n` followed by the checkpoint body, and
the signature line carries key id ‖ 8-byte big-endian timestamp ‖ Ed25519 signature.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass

from carbonledger.translog.note import (
    NoteError,
    OpenedNote,
    Signer,
    Verifier,
    key_id,
    open_note,
    sign_note,
    signature_line,
    split_note,
)

COSIGNATURE_TYPE = 0x04
_SIZE = re.compile(r"^(0|[1-9][0-9]*)$")
_HASH_SIZE = 32
_MAX_TIMESTAMP = 2**63 - 1


class CheckpointError(NoteError):
    """A checkpoint or cosignature is malformed or does not verify."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root).decode(),
            *self.extensions,
        ]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        if not body.endswith("\n"):
            raise CheckpointError("a checkpoint body ends with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("a checkpoint has an origin, a size and a root hash")
        origin, size, root, *extensions = lines
        if not origin:
            raise CheckpointError("a checkpoint's origin is not empty")
        if not _SIZE.match(size):
            raise CheckpointError(f"a checkpoint's size is a decimal number, not {size!r}")
        try:
            raw = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise CheckpointError("a checkpoint's root is base64") from None
        if len(raw) != _HASH_SIZE:
            raise CheckpointError("a checkpoint's root has 32 bytes")
        if any(not line for line in extensions):
            raise CheckpointError("a checkpoint has no empty extension lines")
        return cls(origin, int(size), raw, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    return sign_note(checkpoint.body(), [signer])


def open_checkpoint(note: str, log: Verifier) -> tuple[Checkpoint, OpenedNote]:
    """Verify the log's signature; the origin must be the log key's name."""
    opened = open_note(note, [log])
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != log.name:
        raise CheckpointError(f"the checkpoint's origin {checkpoint.origin!r} is not {log.name!r}")
    return checkpoint, opened


def _cosigned_message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosignature_key_id(name: str, public_key: bytes) -> bytes:
    return key_id(name, COSIGNATURE_TYPE, public_key)


def cosign(checkpoint_body: str, witness: Signer, timestamp: int) -> str:
    """A witness's cosignature line for a checkpoint body."""
    kid = cosignature_key_id(witness.name, witness.public_key)
    signature = witness.sign(_cosigned_message(checkpoint_body, timestamp))
    return signature_line(witness.name, kid, struct.pack(">Q", timestamp) + signature)


def cosignature_time(note: str, witness: Verifier) -> int | None:
    """The timestamp of `witness`'s cosignature on the note's checkpoint, None when it has
    none; a cosignature by its name and key id that does not verify is an error."""
    text, signatures = split_note(note)
    for signature in signatures:
        if signature.name != witness.name or signature.key_id != witness.key_id:
            continue
        if len(signature.signature) != 8 + 64:
            raise CheckpointError(f"the cosignature of {witness.name} has the wrong length")
        (timestamp,) = struct.unpack(">Q", signature.signature[:8])
        if timestamp > _MAX_TIMESTAMP:
            raise CheckpointError(f"the cosignature of {witness.name} has a timestamp past 2^63-1")
        if not witness.verify(_cosigned_message(text, timestamp), signature.signature[8:]):
            raise CheckpointError(f"the cosignature of {witness.name} does not verify")
        return int(timestamp)
    return None


def verify_cosignature(note: str, witness: Verifier) -> int:
    """The timestamp of `witness`'s valid cosignature on the note's checkpoint."""
    timestamp = cosignature_time(note, witness)
    if timestamp is None:
        raise CheckpointError(f"no cosignature of {witness.name}")
    return timestamp
