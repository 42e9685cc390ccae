"""C2SP tlog-witness, pure: parse an `add-checkpoint` request, decide as a witness, encode the
answer. A witness cosigns a checkpoint only if it is signed by a log it knows and is consistent
with the last checkpoint it cosigned for that log, so a log that forks is refused (422).

Request body: `old <size>\\n`, the consistency proof's hashes in base64 one per line, an empty
line, then the signed checkpoint note.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from carbonledger.translog.checkpoint import Checkpoint, cosign, open_checkpoint
from carbonledger.translog.note import NoteError, Signer, Verifier

SIZE_CONTENT_TYPE = "text/x.tlog.size"
_MAX_PROOF = 63

ConsistencyCheck = Callable[[int, int, Sequence[bytes], bytes, bytes], None]


class WitnessRequestError(ValueError):
    """The request is malformed (400)."""


@dataclass(frozen=True, slots=True)
class AddCheckpoint:
    old_size: int
    proof: list[bytes]
    note: str


def encode_add_checkpoint(old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    lines = [f"old {old_size}\n", *(base64.b64encode(h).decode() + "\n" for h in proof), "\n"]
    return ("".join(lines) + note).encode()


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise WitnessRequestError("the request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise WitnessRequestError("the body is old line, proof lines, an empty line, the note")
    lines = head.split("\n")
    first = lines[0]
    if (
        not first.startswith("old ")
        or not first[4:].isdigit()
        or (first[4:] != "0" and first[4] == "0")
    ):
        raise WitnessRequestError("the first line is `old <size>`")
    if len(lines) - 1 > _MAX_PROOF:
        raise WitnessRequestError("the consistency proof is too long")
    proof = []
    for line in lines[1:]:
        try:
            digest = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise WitnessRequestError("proof lines are base64 hashes") from None
        if len(digest) != 32:
            raise WitnessRequestError("proof hashes have 32 bytes")
        proof.append(digest)
    return AddCheckpoint(int(first[4:]), proof, note)


@dataclass(frozen=True, slots=True)
class Decision:
    status: int
    body: bytes
    content_type: str
    new_latest: tuple[int, bytes] | None = None


def decide(
    request: AddCheckpoint,
    logs: Mapping[str, Verifier],
    latest: Mapping[str, tuple[int, bytes]],
    now: int,
    cosigner: Signer,
    verify_consistency: ConsistencyCheck,
) -> Decision:
    """The witness's answer to one add-checkpoint request."""
    origin = request.note.split("\n", 1)[0]
    log = logs.get(origin)
    if log is None:
        return Decision(403, f"unknown log {origin!r}\n".encode(), "text/plain")
    try:
        checkpoint, _ = open_checkpoint(request.note, log)
    except NoteError as error:
        return Decision(403, f"{error}\n".encode(), "text/plain")
    known_size, known_root = latest.get(origin, (0, b""))
    if request.old_size != known_size:
        return Decision(409, f"{known_size}\n".encode(), SIZE_CONTENT_TYPE)
    if request.old_size > checkpoint.size:
        return Decision(400, b"old size is larger than the checkpoint\n", "text/plain")
    if request.old_size > 0:
        try:
            verify_consistency(
                request.old_size, checkpoint.size, request.proof, known_root, checkpoint.root
            )
        except ValueError as error:
            return Decision(
                422, f"inconsistent with size {known_size}: {error}\n".encode(), "text/plain"
            )
    return Decision(
        200,
        cosign(checkpoint.body(), cosigner, now).encode(),
        "text/plain",
        (checkpoint.size, checkpoint.root),
    )


def parse_cosignature_response(body: bytes) -> list[str]:
    text = body.decode()
    return [line + "\n" for line in text.splitlines() if line.startswith("\u2014 ")]


def checkpoint_size_line(checkpoint: Checkpoint) -> str:
    return f"{checkpoint.size}\n"
