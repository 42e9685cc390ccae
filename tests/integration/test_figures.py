"""The figures `/metrics` reads from the database: log size and unsigned leaves, checkpoint age,
each configured witness's last cosignature (none yet: NaN), pending records and points."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from carbonledger import clock
from carbonledger.observability.figures import DatabaseFigures
from carbonledger.platform import Platform
from carbonledger.server import in_thread
from carbonledger.translog import publisher
from carbonledger.translog.witness_server import WitnessState, create_witness_app, witness_signer
from tests import factories
from tests.factories import record
from tests.integration.helpers import submit


def _figures(platform: Platform) -> dict[tuple[str, tuple[str, ...]], float]:
    return {
        (sample.name, tuple(sample.labels.values())): sample.value
        for family in DatabaseFigures(platform).collect()
        for sample in family.samples
    }


def test_figures_follow_the_log_witnesses_and_records(tmp_path: Path, platform: Platform) -> None:
    signer = witness_signer(tmp_path / "witness.key", "witness.example")
    silent = witness_signer(tmp_path / "silent.key", "silent.example")
    state = WitnessState(tmp_path / "witness.state.json")
    with in_thread(create_witness_app(signer, [platform.log_signer.verifier()], state)) as url:
        witnesses = f"{signer.verifier_key()}={url},{silent.verifier_key()}=http://127.0.0.1:9"
        platform = replace(
            platform, settings=platform.settings.model_copy(update={"witnesses": witnesses})
        )
        partner = factories.add_partner(platform)
        citizen = factories.add_citizen(platform)
        factories.link(platform, partner.id, "u1", citizen)
        submit(platform, partner.id, [record(user="u1"), record(user="nobody")])
        before = _figures(platform)
        publisher.publish_and_cosign(platform, clock.now())
        after = _figures(platform)
    assert before[("carbonledger_log_size", ())] == 1
    assert before[("carbonledger_log_unsigned_leaves", ())] == 1
    assert after[("carbonledger_log_unsigned_leaves", ())] == 0
    assert 0 <= after[("carbonledger_checkpoint_age_seconds", ())] < 60
    assert 0 <= after[("carbonledger_witness_cosignature_age_seconds", ("witness.example",))] < 60
    assert math.isnan(after[("carbonledger_witness_cosignature_age_seconds", ("silent.example",))])
    assert after[("carbonledger_pending_records", ())] == 1
    assert after[("carbonledger_points_total", ("issued",))] > 0
    assert after[("carbonledger_points_total", ("redeemed",))] == 0
