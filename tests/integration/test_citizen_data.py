"""A citizen's own data on SQLite and PostgreSQL: the links they see, the partners they may link,
link codes with their expiry, and the data export — all of theirs across pages of records,
nobody else's, and nothing once the account is deleted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from carbonledger import clock, db
from carbonledger.accounts import export, service
from carbonledger.errors import NotFound
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from carbonledger.translog import repository as log_repo
from carbonledger.translog.leaves import Leaf
from carbonledger.translog.pseudonyms import account_of_opening
from tests import factories
from tests.factories import record
from tests.integration.helpers import submit


def test_links_and_linkable_partners(platform: Platform) -> None:
    data, both = factories.add_partner(platform), factories.add_partner(platform, role="both")
    merchant = factories.add_partner(platform, role="merchant")
    citizen = factories.add_citizen(platform)
    factories.link(platform, both.id, "b-1", citizen)
    factories.link(platform, data.id, "d-1", factories.add_citizen(platform))
    with db.write(platform.engine) as conn:
        linkable = [p["partner"] for p in service.data_partners(conn)]
        links = service.citizen_links(conn, citizen)
        now = clock.now()
        offer = service.offer_link_code(conn, platform.keys, citizen, data.id, now, 10)
    assert set(linkable) == {data.id, both.id}
    assert merchant.id not in linkable
    assert [(link["partner"], link["user"]) for link in links] == [(both.id, "b-1")]
    assert offer["partner"] == data.id and offer["expires_at"] == now + timedelta(minutes=10)
    with db.write(platform.engine) as conn:
        assert service.link(conn, platform.keys, data.id, "d-2", offer["code"], now) == citizen


def test_a_suspended_partner_is_not_offered(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    with db.write(platform.engine) as conn:
        service.set_partner_status(conn, partner.id, "suspended")
        assert partner.id not in [p["partner"] for p in service.data_partners(conn)]


def _mine_and_theirs(platform: Platform, trips: int, *, again: bool = False) -> tuple[str, Any]:
    """A citizen with `trips` rides (and, `again`, the first sent once more as a duplicate),
    then one ride of another citizen's, in one batch of one partner: (my id, the results)."""
    partner = factories.add_partner(platform)
    mine, other = factories.add_citizen(platform), factories.add_citizen(platform)
    factories.link(platform, partner.id, "me", mine)
    factories.link(platform, partner.id, "them", other)
    start = clock.now() - timedelta(hours=2)
    mine_sent = [
        record("cycling", user="me", start=start - timedelta(hours=3 * n)) for n in range(trips)
    ]
    if again:
        mine_sent.append(record("cycling", user="me", start=start, external_id="again"))
    theirs = [record("cycling", user="them", start=start)]
    return mine, submit(platform, partner.id, mine_sent + theirs)


def test_the_export_holds_every_record_of_mine_and_none_of_others(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "_PAGE", 2)  # several pages of records from a few records
    mine, results = _mine_and_theirs(platform, 5)
    with db.read(platform.engine) as conn:
        document = export.export(conn, platform.keys, mine, platform.settings.zone, clock.now())
    expected = {r.record for r in results[:5]}
    assert {row["record"] for row in document["records"]} == expected
    assert len(document["records"]) == 5
    assert document["profile"]["citizen"] == mine
    assert [link["user"] for link in document["links"]] == ["me"]
    assert str(results[5].record) not in export.as_json(document).decode()


def test_the_export_names_my_leaves_and_never_anothers(platform: Platform) -> None:
    mine, results = _mine_and_theirs(platform, 3, again=True)
    assert [r.status.value for r in results] == ["accepted"] * 3 + ["duplicate", "accepted"]
    theirs = results[4].leaf_index
    assert theirs is not None
    # A record of mine pointing at another citizen's leaf (a fault, or a restore gone wrong).
    with db.write(platform.engine) as conn:
        conn.execute(
            update(records).where(records.c.id == results[2].record).values(leaf_index=theirs)
        )
    with db.read(platform.engine) as conn:
        document = export.export(conn, platform.keys, mine, platform.settings.zone, clock.now())
        their_name = Leaf.decode(log_repo.entry(conn, theirs)).account
        leaves = {r.record: Leaf.decode(log_repo.entry(conn, r.leaf_index)) for r in results[:2]}
    by_id = {row["record"]: row for row in document["records"]}
    for record_id, leaf in leaves.items():
        row = by_id[record_id]
        assert row["log_name"] == leaf.account
        assert account_of_opening(bytes.fromhex(row["log_opening"])) == leaf.account
    for unnamed in (results[2].record, results[3].record):
        assert by_id[unnamed]["log_name"] is None and by_id[unnamed]["log_opening"] is None
    assert their_name is not None and their_name not in export.as_json(document).decode()


def test_a_deleted_citizen_has_nothing_to_export(platform: Platform) -> None:
    citizen = factories.add_citizen(platform)
    with db.write(platform.engine) as conn:
        service.delete_citizen(conn, citizen, clock.now())
    with db.read(platform.engine) as conn, pytest.raises(NotFound):
        export.export(conn, platform.keys, citizen, platform.settings.zone, clock.now())
