"""The demo's witness: a C2SP tlog-witness (translog/witness_server.py) run beside the demo city
on a free loopback port, with its key and state in `<data_dir>/witness/`, so the city's
checkpoints carry a cosignature that the log explorer and every receipt show."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from carbonledger import server
from carbonledger.translog.note import parse_verifier_key
from carbonledger.translog.witness_server import WitnessState, create_witness_app, witness_signer

NAME = "witness.demo.carbonledger.local"


@contextmanager
def serving(data_dir: Path, log_vkey: str) -> Iterator[str]:
    """Serve the demo's witness from a thread while inside; yield its `VKEY=URL` setting."""
    directory = data_dir / "witness"
    directory.mkdir(parents=True, exist_ok=True)
    signer = witness_signer(directory / "witness.key", NAME)
    app = create_witness_app(
        signer, [parse_verifier_key(log_vkey)], WitnessState(directory / "state.json")
    )
    with server.in_thread(app, lifespan="off") as url:
        yield f"{signer.verifier_key()}={url}"
