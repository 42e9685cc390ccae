"""The demo's witness: a C2SP tlog-witness (translog/witness_server.py) run beside the demo city
on a free loopback port, with its key and state in `<data_dir>/witness/`, so the city's
checkpoints carry a cosignature that the log explorer and every receipt show."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn

from carbonledger.translog.note import parse_verifier_key
from carbonledger.translog.witness_server import WitnessState, create_witness_app, witness_signer

NAME = "witness.demo.carbonledger.local"
_START_SECONDS = 20


def start(data_dir: Path, log_vkey: str) -> str:
    """Serve the demo's witness in a background thread; return its `VKEY=URL` setting."""
    directory = data_dir / "witness"
    directory.mkdir(parents=True, exist_ok=True)
    signer = witness_signer(directory / "witness.key", NAME)
    app = create_witness_app(
        signer, [parse_verifier_key(log_vkey)], WitnessState(directory / "state.json")
    )
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the demo's witness did not start")
        time.sleep(0.01)
    return f"{signer.verifier_key()}=http://127.0.0.1:{port}"
