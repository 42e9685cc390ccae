"""`carbonledger simulate` against a served platform over loopback: two partners at once whose
answers add up to what the platform stored, the same trips from both filtered as duplicates, a
resent run replayed, 429s waited out, and an unreachable deployment reported."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.accounts import repository as accounts_repo
from carbonledger.client import PartnerClient
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from carbonledger.simulate.city import PARTNERS
from carbonledger.simulate.demo import CITY_FILE
from carbonledger.simulate.partners import Behaviour, SimulatedPartner, run_all
from carbonledger.simulate.population import enrol
from carbonledger.simulate.sender import Pace, run_partner
from carbonledger.simulate.traffic import partner_records
from tests import factories
from tests.commands import run

SEED, CITIZENS, DAYS = 5, 200, 2


@pytest.fixture(scope="module")
def city(served: tuple[Platform, str]) -> dict[str, Ed25519PrivateKey]:
    """The synthetic city's partners and people at the served platform, most of them linked."""
    platform, _ = served
    keys = {p.id: factories.add_partner(platform, p.id, p.role).key for p in PARTNERS}
    enrol(platform, SEED, CITIZENS, linked=CITIZENS * 9 // 10)
    return keys


def _behaviour(platform: Platform, run_tag: str) -> Behaviour:
    return Behaviour(SEED, CITIZENS, DAYS, run_tag, platform.settings.zone, clock.now())


def _stored(platform: Platform, run_tag: str) -> list[tuple[str, str, str | None, str | None]]:
    with db.read(platform.engine) as conn:
        return [
            (row.partner_id, row.status, row.reason, row.duplicate_of)
            for row in conn.execute(
                select(records).where(records.c.external_id.startswith(f"{run_tag}-"))
            )
        ]


def test_two_partners_at_once_add_up_and_their_shared_trips_are_duplicates(
    served: tuple[Platform, str], city: dict[str, Ed25519PrivateKey]
) -> None:
    platform, url = served
    chosen = [SimulatedPartner(p, p, city[p]) for p in ("bikeshare", "maps-a")]
    behaviour = _behaviour(platform, "two")
    tallies, stopped = run_all(url, chosen, behaviour, Pace(0, 50))
    assert not stopped and all(t.failure is None for t in tallies)

    for tally in tallies:
        expected = partner_records(
            tally.partner_id,
            seed=SEED,
            citizens=CITIZENS,
            zone=behaviour.zone,
            days=DAYS,
            now=behaviour.now,
            run="two",
        )
        assert tally.records == len(list(expected)) > 0
        assert tally.batches == -(-tally.records // 50) and tally.replayed == 0
    stored = _stored(platform, "two")
    assert Counter(p for p, *_ in stored) == {t.partner_id: t.records for t in tallies}
    assert Counter(s for _, s, *_ in stored) == sum((t.statuses for t in tallies), Counter())

    partner_of = {}
    with db.read(platform.engine) as conn:
        for row in conn.execute(select(records.c.id, records.c.partner_id)):
            partner_of[row.id] = row.partner_id
    shared = [(p, first) for p, s, reason, first in stored if reason == "overlapping_trip"]
    assert shared, "a map app reports some of the bike trips too"
    assert all(partner_of[first] != p for p, first in shared)  # credited once, from the other


def test_a_run_sent_again_comes_back_replayed(
    served: tuple[Platform, str], city: dict[str, Ed25519PrivateKey]
) -> None:
    platform, url = served
    chosen = [SimulatedPartner("food", "food", city["food"])]
    pace = Pace(0, 40, limit=120)
    [first], _ = run_all(url, chosen, _behaviour(platform, "again"), pace)
    [second], _ = run_all(url, chosen, _behaviour(platform, "again"), pace)
    assert first.records == second.records == 120 == second.replayed
    assert first.replayed == 0 and second.statuses == first.statuses
    assert len(_stored(platform, "again")) == 120


def test_rate_limited_batches_are_sent_again_after_retry_after(
    served: tuple[Platform, str], city: dict[str, Ed25519PrivateKey]
) -> None:
    platform, url = served
    with db.write(platform.engine) as conn:
        # 60 a minute: a burst of 10 requests, then one a second.
        accounts_repo.set_partner(conn, "steps-b", rate_limit_per_minute=60)
    chosen = [SimulatedPartner("steps-b", "steps-b", city["steps-b"])]
    [tally], _ = run_all(url, chosen, _behaviour(platform, "limited"), Pace(0, 1, limit=12))
    assert tally.failure is None and tally.records == 12 and tally.batches == 12
    assert tally.retries >= 1
    assert len(_stored(platform, "limited")) == 12


def test_a_stopped_run_ends_after_the_batch_in_flight(
    served: tuple[Platform, str], city: dict[str, Ed25519PrivateKey]
) -> None:
    platform, url = served
    stop = threading.Event()
    records = partner_records(
        "steps-a", seed=SEED, citizens=CITIZENS, zone=platform.settings.zone, days=DAYS,
        now=clock.now(), run="stopped",
    )  # fmt: skip
    with PartnerClient(url, "steps-a", city["steps-a"]) as client:
        tally = run_partner(client, records, Pace(0, 10), stop, lambda _: stop.set())
    assert tally.records == 10 and tally.batches == 1 and tally.failure is None
    assert len(_stored(platform, "stopped")) == 10


def test_an_unreachable_deployment_is_reported_after_the_retries(
    served: tuple[Platform, str], city: dict[str, Ed25519PrivateKey]
) -> None:
    platform, _ = served
    chosen = [SimulatedPartner("bus", "bus", city["bus"])]
    behaviour = _behaviour(platform, "nowhere")
    [tally], _ = run_all("http://127.0.0.1:9", chosen, behaviour, Pace(0, 10, retries=1))
    assert tally.records == 0 and tally.retries == 1
    assert tally.failure is not None and "no answer from http://127.0.0.1:9" in tally.failure


def test_the_command_sends_as_every_partner_of_a_key_directory(
    served: tuple[Platform, str], city: dict[str, Ed25519PrivateKey], tmp_path: Path
) -> None:
    platform, url = served
    keys = tmp_path / "partners"
    keys.mkdir()
    for partner_id in ("metro", "maps-b", "mall"):
        pem = city[partner_id].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (keys / f"{partner_id}.pem").write_bytes(pem)
    unsized = run(tmp_path / "client", "simulate", "--url", url, "--keys", str(keys))
    assert unsized.returncode == 1 and "bad_city" in unsized.stderr  # the size is never guessed
    (keys / CITY_FILE).write_text(json.dumps({"seed": SEED, "citizens": CITIZENS}))
    sent = run(
        tmp_path / "client", "simulate", "--url", url, "--keys", str(keys), "--run", "cli",
        "--days", str(DAYS), "--records", "30", "--rate", "1000",
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert "simulate run cli" in sent.stdout and "batch latency" in sent.stdout
    assert "mall" not in sent.stdout  # a merchant sends no behaviour
    assert Counter(p for p, *_ in _stored(platform, "cli")) == {"metro": 30, "maps-b": 30}
    refused = run(tmp_path / "client", "simulate", "--url", url, "--partner", "metro")
    assert refused.returncode == 1 and "bad_keys" in refused.stderr
    bad_tag = run(tmp_path, "simulate", "--url", url, "--keys", str(keys), "--run", "a b")
    assert bad_tag.returncode == 1 and "bad_run" in bad_tag.stderr
