"""A C2SP tlog-witness server (`carbonledger witness serve`): cosigns checkpoints of the logs it
is told about, keeping the latest cosigned size and root of each log in a state file, so that it
refuses any checkpoint that is not an extension of what it has seen (a fork)."""

from __future__ import annotations

import base64
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
    """origin → (size, root) of the latest checkpoint cosigned, kept in a JSON file."""

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

    def save(self, origin: str, size: int, root: bytes) -> None:
        self.latest[origin] = (size, root)
        data = {
            o: {"size": s, "root": base64.b64encode(r).decode()}
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
                state.save(origin, *decision.new_latest)
        return Response(
            decision.body, status_code=decision.status, media_type=decision.content_type
        )

    return app
