"""A C2SP tlog-witness server (`carbonledger witness serve`): cosigns checkpoints of the logs it
is told about, keeping the latest cosigned size, root and checkpoint of each log in a state file,
so that it refuses any checkpoint that is not an extension of what it has seen (a fork). Monitors
read the latest cosigned checkpoint of a log at `GET /<hex SHA-256 of the origin>/checkpoint`."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from pathlib import Path

from fastapi import FastAPI, Request, Response

from carbonledger import clock
from carbonledger.keys import load_or_create_key
from carbonledger.translog import merkle, witness
from carbonledger.translog.checkpoint import COSIGNATURE_TYPE
from carbonledger.translog.note import Signer, Verifier, signer_from_private_bytes


def witness_signer(key_file: Path, name: str) -> Signer:
    """The witness's cosigning key: a 32-byte seed in `key_file`, created (mode 0600) if absent."""
    return signer_from_private_bytes(name, load_or_create_key(key_file), COSIGNATURE_TYPE)


class WitnessState:
    """origin → (size, root) of the latest checkpoint cosigned, and that checkpoint as served to
    monitors, kept in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raw = {}
        self.latest = {
            origin: (int(v["size"]), base64.b64decode(v["root"])) for origin, v in raw.items()
        }
        self.notes: dict[str, str] = {o: v["note"] for o, v in raw.items() if v.get("note")}

    def by_hash(self, origin_hash: str) -> str | None:
        """The latest cosigned checkpoint of the log whose origin hashes to `origin_hash`."""
        for origin, note in self.notes.items():
            if hashlib.sha256(origin.encode()).hexdigest() == origin_hash:
                return note
        return None

    def save(self, origin: str, size: int, root: bytes, note: str | None = None) -> None:
        self.latest[origin] = (size, root)
        if note is not None:
            self.notes[origin] = note
        data = {
            o: {"size": s, "root": base64.b64encode(r).decode(), "note": self.notes.get(o)}
            for o, (s, r) in self.latest.items()
        }
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "w") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)


def create_witness_app(signer: Signer, logs: list[Verifier], state: WitnessState) -> FastAPI:
    app = FastAPI(title="Carbon Ledger witness", docs_url=None, redoc_url=None)
    known = {log.name: log for log in logs}

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        body = await request.body()
        try:
            parsed = witness.parse_add_checkpoint(body)
        except witness.WitnessRequestError as error:
            return Response(f"{error}\n", status_code=400, media_type="text/plain")
        with state.lock:
            decision = witness.decide(
                parsed,
                known,
                state.latest,
                int(clock.now().timestamp()),
                signer,
                merkle.verify_consistency,
            )
            if decision.new_latest is not None:
                origin = parsed.note.split("\n", 1)[0]
                state.save(origin, *decision.new_latest, decision.served)
        return Response(
            decision.body, status_code=decision.status, media_type=decision.content_type
        )

    @app.get("/{origin_hash}/checkpoint")
    async def latest_checkpoint(origin_hash: str) -> Response:
        with state.lock:
            note = state.by_hash(origin_hash)
        if note is None:
            return Response("this witness has cosigned no checkpoint of that log\n", 404)
        return Response(note, media_type="text/plain; charset=utf-8")

    return app
