"""C2SP tlog-witness, pure: parse an `add-checkpoint` request, decide as a witness, encode the
answer. A witness cosigns a checkpoint only if it is signed by a log it knows and is consistent
with the last checkpoint it cosigned for that log, so a log that forks is refused (422).

The answers, in the order the specification checks them: 404 for a log (origin) the witness
does not know; 403 when no signature by the log's key is present or one fails to verify; 400
for an old size beyond the checkpoint; 409 (body: the size it knows, `text/x.tlog.size`) when
the old size is not the last one it cosigned; 422 for an empty tree with another root than the
empty one, a proof sent with old size 0, the same size with another root, or a consistency
proof that fails; else 200 with the cosignature line.

Request body: `old <size>\\n`, the consistency proof's hashes in base64 one per line, an empty
line, then the signed checkpoint note.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from carbonledger.translog.checkpoint import Checkpoint, cosign, open_checkpoint
from carbonledger.translog.merkle import EMPTY_ROOT
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
    served: str | None = None
    """The checkpoint with the log's signature and this cosignature, for monitors."""


def _refusal(status: int, text: str) -> Decision:
    return Decision(status, f"{text}\n".encode(), "text/plain")


def _inconsistency(
    request: AddCheckpoint,
    known_root: bytes,
    checkpoint: Checkpoint,
    verify_consistency: ConsistencyCheck,
) -> str | None:
    """Why the checkpoint does not extend the one cosigned last (422), if it does not."""
    if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
        return "an empty tree has the root of the empty string"
    if request.old_size == 0 and request.proof:
        return "no consistency proof is sent from size 0"
    if request.old_size == checkpoint.size and checkpoint.root != known_root:
        return f"size {request.old_size} was cosigned with another root"
    if 0 < request.old_size < checkpoint.size:
        try:
            verify_consistency(
                request.old_size, checkpoint.size, request.proof, known_root, checkpoint.root
            )
        except ValueError as error:
            return f"inconsistent with size {request.old_size}: {error}"
    return None


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
        return _refusal(404, f"unknown log {origin!r}")
    try:
        checkpoint, opened = open_checkpoint(request.note, log)
    except NoteError as error:
        return _refusal(403, str(error))
    if request.old_size > checkpoint.size:
        return _refusal(400, "the old size is larger than the checkpoint's")
    known_size, known_root = latest.get(origin, (0, EMPTY_ROOT))
    if request.old_size != known_size:
        return Decision(409, f"{known_size}\n".encode(), SIZE_CONTENT_TYPE)
    problem = _inconsistency(request, known_root, checkpoint, verify_consistency)
    if problem is not None:
        return _refusal(422, problem)
    line = cosign(checkpoint.body(), cosigner, now)
    served = opened.text + "\n" + "".join(s.line for s in opened.verified) + line
    return Decision(200, line.encode(), "text/plain", (checkpoint.size, checkpoint.root), served)


def parse_cosignature_response(body: bytes) -> list[str]:
    text = body.decode()
    return [line + "\n" for line in text.splitlines() if line.startswith("\u2014 ")]


def checkpoint_size_line(checkpoint: Checkpoint) -> str:
    return f"{checkpoint.size}\n"
