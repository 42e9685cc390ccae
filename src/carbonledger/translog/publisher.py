"""Publishing checkpoints: sign the log's head when it has grown, keep every checkpoint, and
ask each configured witness to cosign (C2SP tlog-witness), so that the operator cannot show
different histories to different people."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.engine import Connection

from carbonledger import db
from carbonledger.platform import Platform
from carbonledger.translog import checkpoint, proofs, sequencer, witness
from carbonledger.translog import repository as repo
from carbonledger.translog.note import NoteError, Verifier, parse_verifier_key

log = logging.getLogger(__name__)
_WITNESS_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Witness:
    """A witness the log asks for cosignatures: its verifier key and its address."""

    verifier: Verifier
    url: str


def configured_witnesses(spec: str) -> list[Witness]:
    """Parse `VKEY=URL,VKEY=URL` from the settings."""
    witnesses = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        vkey, _, url = item.partition("=")
        if not url:
            raise ValueError(f"a witness is configured as VKEY=URL; got {item!r}")
        witnesses.append(Witness(parse_verifier_key(vkey), url.rstrip("/")))
    return witnesses


def publish(conn: Connection, platform: Platform, now: datetime) -> int | None:
    """Sign and store a checkpoint of the current head unless one exists for its size (an empty
    log gets one too, so `/log/checkpoint` always answers). Return the new size, if any."""
    head = sequencer.head(conn)
    latest = repo.latest_checkpoint(conn)
    if latest is not None and latest.size >= head.size:
        return None
    body = checkpoint.Checkpoint(platform.settings.log_origin, head.size, head.root)
    note = checkpoint.sign_checkpoint(body, platform.log_signer)
    if repo.insert_checkpoint(conn, head.size, head.root, note, now):
        return head.size
    return None


def cosign(platform: Platform, chosen: Witness, now: datetime) -> bool:
    """Bring one witness up to the latest checkpoint; True when it cosigned."""
    with db.read(platform.engine) as conn:
        latest = repo.latest_checkpoint(conn)
        if latest is None:
            return False
        old = repo.last_cosigned_size(conn, chosen.verifier.name)
    if old >= latest.size and old:
        return False
    for _attempt in range(2):
        with db.read(platform.engine) as conn:
            proof = proofs.consistency(conn, old, latest.size) if 0 < old < latest.size else []
        body = witness.encode_add_checkpoint(old, proof, latest.note)
        response = httpx.post(
            f"{chosen.url}/add-checkpoint", content=body, timeout=_WITNESS_TIMEOUT
        )
        if response.status_code == 409:
            # The witness knows a newer size than we recorded: prove consistency from there.
            old = int(response.text.strip())
            continue
        if response.status_code != 200:
            log.warning(
                "witness %s refused checkpoint %d: %d %s",
                chosen.verifier.name,
                latest.size,
                response.status_code,
                response.text.strip(),
            )
            return False
        valid = [
            line
            for line in witness.parse_cosignature_response(response.content)
            if _is_cosignature(latest.note, line, chosen.verifier)
        ]
        if not valid:
            log.warning("witness %s answered without a valid cosignature", chosen.verifier.name)
            return False
        with db.write(platform.engine) as conn:
            for line in valid:
                repo.insert_cosignature(conn, latest.size, chosen.verifier.name, line, now)
        return True
    return False


def _is_cosignature(note: str, line: str, verifier: Verifier) -> bool:
    try:
        checkpoint.verify_cosignature(note + line, verifier)
    except NoteError:
        return False
    return True


def publish_and_cosign(platform: Platform, now: datetime) -> int | None:
    """One round: publish a checkpoint if the log grew, then ask every witness to cosign it."""
    with db.write(platform.engine) as conn:
        published = publish(conn, platform, now)
    if published is not None:
        for chosen in configured_witnesses(platform.settings.witnesses):
            try:
                cosign(platform, chosen, now)
            except httpx.HTTPError as error:
                log.warning("witness %s unreachable: %s", chosen.verifier.name, error)
    return published


def served_note(conn: Connection) -> str | None:
    """The latest checkpoint with every cosignature it has, as `/log/checkpoint` serves it."""
    latest = repo.latest_checkpoint(conn)
    return None if latest is None else repo.cosigned_note(conn, latest)
