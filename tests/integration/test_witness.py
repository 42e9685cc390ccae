"""Witnesses (C2SP tlog-witness): the log asks them to cosign each new checkpoint and serves their
cosignatures; a witness refuses stale sizes, unknown logs, bad proofs and forks."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from carbonledger import clock, db
from carbonledger.config import Settings
from carbonledger.platform import Platform
from carbonledger.server import in_thread
from carbonledger.translog import checkpoint, publisher, witness
from carbonledger.translog import repository as log_repo
from carbonledger.translog.note import parse_verifier_key
from carbonledger.translog.witness_server import WitnessState, create_witness_app, witness_signer
from tests import factories
from tests.factories import record
from tests.integration.helpers import submit


@pytest.fixture
def witnessed(tmp_path: Path, sqlite_platform: Platform) -> Iterator[tuple[Platform, str, Path]]:
    """A log with one witness (served over HTTP), the witness's URL and its state file."""
    signer = witness_signer(tmp_path / "witness.key", "witness.example")
    state_file = tmp_path / "witness.state.json"
    log = sqlite_platform.log_signer.verifier()
    with in_thread(create_witness_app(signer, [log], WitnessState(state_file))) as url:
        settings = sqlite_platform.settings.model_copy(
            update={"witnesses": f"{signer.verifier_key()}={url}"}
        )
        yield replace(sqlite_platform, settings=settings), url, state_file


def test_a_witness_served_from_a_thread_is_gone_on_leaving(tmp_path: Path) -> None:
    signer = witness_signer(tmp_path / "witness.key", "witness.example")
    app = create_witness_app(signer, [], WitnessState(tmp_path / "state.json"))

    def its_thread(url: str) -> list[threading.Thread]:
        name = f"serve-{url.rpartition(':')[2]}"
        return [t for t in threading.enumerate() if t.name == name]

    with in_thread(app, lifespan="off") as url:
        assert httpx.get(f"{url}/add-checkpoint").status_code == 405
        assert its_thread(url)
    # Stopped and its thread joined: no event loop runs on while the interpreter shuts down.
    assert its_thread(url) == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/add-checkpoint")


def _grow(platform: Platform, users: int = 1) -> None:
    partner = factories.add_partner(platform)
    for number in range(users):
        citizen = factories.add_citizen(platform)
        factories.link(platform, partner.id, f"u{number}", citizen)
        submit(platform, partner.id, [record("cycling", user=f"u{number}")])


def test_checkpoints_are_cosigned_and_served(witnessed: tuple[Platform, str, Path]) -> None:
    platform, _, _ = witnessed
    _grow(platform)
    assert publisher.publish_and_cosign(platform, clock.now()) == 1
    _grow(platform, users=2)
    assert publisher.publish_and_cosign(platform, clock.now()) == 3
    with db.read(platform.engine) as conn:
        note = publisher.served_note(conn)
    assert note is not None
    [witness_entry] = publisher.configured_witnesses(platform.settings.witnesses)
    timestamp = checkpoint.verify_cosignature(note, witness_entry.verifier)
    assert abs(timestamp - clock.now().timestamp()) < 60
    checkpoint.open_checkpoint(note, platform.log_signer.verifier())


def test_a_forked_log_is_refused(witnessed: tuple[Platform, str, Path], tmp_path: Path) -> None:
    platform, url, state_file = witnessed
    _grow(platform, users=2)
    publisher.publish_and_cosign(platform, clock.now())
    seen = state_file.read_text()
    # The same log key over another history: a second database with different leaves.
    fork_dir = tmp_path / "fork"
    shutil.copytree(platform.settings.secrets_dir, fork_dir / "secrets")
    fork = Platform.open(
        Settings(
            data_dir=fork_dir,
            witnesses=platform.settings.witnesses,
            log_origin=platform.settings.log_origin,
        )
    )
    _grow(fork, users=3)
    with db.write(fork.engine) as conn:
        publisher.publish(conn, fork, clock.now())
    [chosen] = publisher.configured_witnesses(fork.settings.witnesses)
    assert publisher.cosign(fork, chosen, clock.now()) is False
    with db.read(fork.engine) as conn:
        latest = log_repo.latest_checkpoint(conn)
        assert latest is not None and log_repo.cosignature_lines(conn, latest.size) == []
        proof = __import__("carbonledger.translog.proofs", fromlist=["x"]).consistency(conn, 2, 3)
    answer = httpx.post(
        f"{url}/add-checkpoint", content=witness.encode_add_checkpoint(2, proof, latest.note)
    )
    assert answer.status_code == 422
    assert state_file.read_text() == seen
    fork.close()


def test_witness_refusals(witnessed: tuple[Platform, str, Path]) -> None:
    platform, url, _ = witnessed
    _grow(platform)
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
        note = str(log_repo.latest_checkpoint(conn).note)  # type: ignore[union-attr]
    stale = httpx.post(f"{url}/add-checkpoint", content=witness.encode_add_checkpoint(1, [], note))
    assert stale.status_code == 409 and stale.text.strip() == "0"
    assert stale.headers["content-type"].startswith("text/x.tlog.size")
    stranger = factories_signer_note()
    unknown = httpx.post(
        f"{url}/add-checkpoint", content=witness.encode_add_checkpoint(0, [], stranger)
    )
    assert unknown.status_code == 404
    malformed = httpx.post(f"{url}/add-checkpoint", content=b"old x\n\n" + note.encode())
    assert malformed.status_code == 400
    forged = note.replace("\n1\n", "\n2\n", 1)
    bad_signature = httpx.post(
        f"{url}/add-checkpoint", content=witness.encode_add_checkpoint(0, [], forged)
    )
    assert bad_signature.status_code == 403
    assert (
        httpx.post(
            f"{url}/add-checkpoint", content=witness.encode_add_checkpoint(0, [], note)
        ).status_code
        == 200
    )


def factories_signer_note() -> str:
    from carbonledger.translog.note import generate_signer

    other = generate_signer("other.example/log")
    return checkpoint.sign_checkpoint(
        checkpoint.Checkpoint("other.example/log", 0, b"\0" * 32), other
    )


def test_witness_key_parses_as_cosignature_key(tmp_path: Path) -> None:
    signer = witness_signer(tmp_path / "k", "w.example")
    verifier = parse_verifier_key(signer.verifier_key())
    assert verifier.key_type == checkpoint.COSIGNATURE_TYPE
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600


def test_witness_answers_in_the_order_the_specification_checks(
    witnessed: tuple[Platform, str, Path],
) -> None:
    platform, url, _ = witnessed
    _grow(platform, users=2)
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
        note = str(log_repo.latest_checkpoint(conn).note)  # type: ignore[union-attr]

    def post(old: int, proof: list[bytes], body: str) -> httpx.Response:
        return httpx.post(
            f"{url}/add-checkpoint", content=witness.encode_add_checkpoint(old, proof, body)
        )

    # An old size beyond the checkpoint is a bad request even before the size check (409).
    assert post(9, [], note).status_code == 400
    assert post(0, [b"\0" * 32], note).status_code == 422  # no proof from size 0
    empty = checkpoint.sign_checkpoint(
        checkpoint.Checkpoint(platform.settings.log_origin, 0, b"\1" * 32), platform.log_signer
    )
    assert post(0, [], empty).status_code == 422  # an empty tree's root is SHA-256("")
    assert post(0, [], note).status_code == 200
    same_size_other_root = checkpoint.sign_checkpoint(
        checkpoint.Checkpoint(platform.settings.log_origin, 2, b"\2" * 32), platform.log_signer
    )
    assert post(2, [], same_size_other_root).status_code == 422
    # Monitors read the latest cosigned checkpoint by the hash of the log's origin.
    origin_hash = hashlib.sha256(platform.settings.log_origin.encode()).hexdigest()
    served = httpx.get(f"{url}/{origin_hash}/checkpoint")
    assert served.status_code == 200 and served.text.startswith(note.split("\n\n", maxsplit=1)[0])
    [chosen] = publisher.configured_witnesses(platform.settings.witnesses)
    checkpoint.verify_cosignature(served.text, chosen.verifier)
    assert httpx.get(f"{url}/{'0' * 64}/checkpoint").status_code == 404
