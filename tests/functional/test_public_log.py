"""The public log over HTTP (PARTNER_API.md §5): checkpoint, key, tiles, entries and proofs, with
CDN-friendly caching, checked as an outside auditor would."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx
import pytest

from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from carbonledger.translog import merkle, tiles
from carbonledger.translog.checkpoint import Checkpoint, open_checkpoint
from carbonledger.translog.note import parse_verifier_key
from carbonledger.translog.pseudonyms import record_tag
from carbonledger.translog.sources import HttpSource
from carbonledger.translog.verify import verify
from tests import factories
from tests.factories import MadePartner, record

Served = tuple[Platform, str]
Partnered = tuple[MadePartner, PartnerClient]


def _checkpoint(url: str, at_least: int) -> Checkpoint:
    """The served checkpoint once it covers `at_least` leaves (the server signs every 0.2 s)."""
    vkey = httpx.get(f"{url}/log/key").text
    deadline = time.monotonic() + 10
    while True:
        checkpoint, _ = open_checkpoint(
            httpx.get(f"{url}/log/checkpoint").text, parse_verifier_key(vkey)
        )
        if checkpoint.size >= at_least or time.monotonic() > deadline:
            return checkpoint
        time.sleep(0.05)


@pytest.fixture
def credited(served: Served, partner: Partnered) -> list[dict[str, object]]:
    platform, _ = served
    made, client = partner
    citizen = factories.add_citizen(platform)
    factories.link(platform, made.id, "u", citizen)
    body = client.submit([record("walking", user="u", quantity=1000 + n) for n in range(5)]).json()
    return [r for r in body["results"] if r["status"] == "accepted"]


def test_checkpoint_and_key(served: Served, credited: list[dict[str, object]]) -> None:
    url = served[1]
    response = httpx.get(f"{url}/log/checkpoint")
    assert response.headers["content-type"].startswith("text/plain")
    assert "max-age" in response.headers["cache-control"]
    checkpoint = _checkpoint(url, max(int(str(r["leaf_index"])) for r in credited) + 1)
    assert checkpoint.origin == served[0].settings.log_origin


def test_inclusion_proofs_verify_against_the_checkpoint(
    served: Served, credited: list[dict[str, object]]
) -> None:
    url = served[1]
    last = max(int(str(r["leaf_index"])) for r in credited)
    checkpoint = _checkpoint(url, last + 1)
    for result in credited:
        index = int(str(result["leaf_index"]))
        entry = httpx.get(f"{url}/api/v1/log/entries/{index}").json()
        assert f'"record":"{record_tag(str(result["record"]))}"' in entry["leaf"]
        leaf_hash = merkle.leaf_hash(entry["leaf"].encode())
        assert base64.b64decode(entry["leaf_hash"]) == leaf_hash
        proof = httpx.get(
            f"{url}/api/v1/log/proof/inclusion", params={"index": index, "size": checkpoint.size}
        )
        assert proof.headers["cache-control"].endswith("immutable")
        body = proof.json()
        assert base64.b64decode(body["root"]) == checkpoint.root
        merkle.verify_inclusion(
            leaf_hash,
            index,
            checkpoint.size,
            [base64.b64decode(h) for h in body["proof"]],
            checkpoint.root,
        )


def test_tiles_entries_and_refusals(served: Served, credited: list[dict[str, object]]) -> None:
    url = served[1]
    checkpoint = _checkpoint(url, 1)
    width = min(checkpoint.size, 256)
    partial = f"/{tiles.tile_path(0, 0, width)}" if width < 256 else f"/{tiles.tile_path(0, 0)}"
    tile = httpx.get(f"{url}/log{partial}")
    assert tile.status_code == 200 and len(tile.content) == 32 * width
    assert tile.headers["cache-control"] == "public, max-age=31536000, immutable"
    bundle = httpx.get(f"{url}/log/{tiles.entries_path(0, width)}")
    assert [merkle.leaf_hash(e) for e in tiles.decode_bundle(bundle.content)] == [
        tile.content[i : i + 32] for i in range(0, len(tile.content), 32)
    ]
    beyond = httpx.get(
        f"{url}/api/v1/log/proof/consistency", params={"first": 1, "size": checkpoint.size + 1000}
    )
    assert beyond.status_code == 400
    assert beyond.json()["error"]["code"] == "size_beyond_checkpoint"
    assert httpx.get(f"{url}/log/tile/0/x001/999").status_code == 404
    assert httpx.get(f"{url}/log/tile/0/not-a-tile").status_code == 404
    assert httpx.get(f"{url}/api/v1/log/entries/{checkpoint.size + 10}").status_code == 404


def test_verify_over_http(
    served: Served, credited: list[dict[str, object]], tmp_path: Path
) -> None:
    url = served[1]
    _checkpoint(url, 1)
    with HttpSource(url) as source:
        result = verify(source, tmp_path / "state")
    assert result.size >= len(credited)
    with HttpSource(url) as source:
        again = verify(source, tmp_path / "state")
    assert again.previous == result.size
