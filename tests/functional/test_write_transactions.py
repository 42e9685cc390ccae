"""Nothing slow inside a write transaction: a partner's signature is checked before the batch's
(or the link's) write transaction begins, never while the writer is held. The engine tells when
a write transaction is open on a thread; the check records what it saw each time it ran."""

from __future__ import annotations

from typing import Any

import pytest

from carbonledger.client import PartnerClient
from carbonledger.ingest import pipeline, signing
from tests import factories
from tests.factories import record
from tests.write_watch import WriteWatch


def test_signatures_and_validation_run_outside_write_transactions(
    served: tuple[Any, str], partner: tuple[Any, PartnerClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    platform, _ = served
    made, client = partner
    citizen = factories.add_citizen(platform)
    factories.link(platform, made.id, "u-sig", citizen)
    watch = WriteWatch()
    watch.wrap(monkeypatch, signing, "verify")
    watch.wrap(monkeypatch, pipeline, "validate")
    with watch.on(platform.engine):
        sent = [record("cycling", user="u-sig"), record("cycling", user="someone-else")]
        response = client.submit(sent)
        assert response.status_code == 200
        assert [r["status"] for r in response.json()["results"]] == ["accepted", "pending"]
        looked_up = client.request("GET", f"/api/v1/records/{sent[0]['external_id']}")
        assert looked_up.status_code == 200
    # Each request's signature and each record's validation ran, none with a write open.
    assert watch.calls["verify"] == [False, False]
    assert watch.calls["validate"] == [False, False]
