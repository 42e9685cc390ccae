"""The pipeline on SQLite and PostgreSQL: invariants 1-6 of DESIGN.md on realistic batches."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from carbonledger import clock, db
from carbonledger.ingest import pending
from carbonledger.ingest.crediting import reverse
from carbonledger.ingest.results import Status
from carbonledger.ingest.tables import records
from carbonledger.platform import Platform
from carbonledger.translog import publisher, sequencer
from carbonledger.translog import repository as log_repo
from carbonledger.translog.leaves import Leaf
from tests import factories
from tests.factories import record
from tests.integration.helpers import points_balance, rollups_match_records, submit


def test_exactly_once_across_resends(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "u-1", citizen)
    batch = [record("cycling", start=clock.now() - timedelta(hours=h)) for h in range(1, 6)]
    first = submit(platform, partner.id, batch)
    for _ in range(3):
        again = submit(platform, partner.id, batch)
        assert [r.as_replay() for r in first] == again
    with db.read(platform.engine) as conn:
        stored = conn.execute(select(records.c.status)).scalars().all()
    assert sorted(stored) == ["accepted"] * 5
    balances = points_balance(platform)
    assert balances[f"citizen:{citizen}"] == sum(r.points for r in first) == 5 * 214
    rollups_match_records(platform)


def test_same_trip_from_two_partners_is_credited_once(platform: Platform) -> None:
    bike, maps = factories.add_partner(platform), factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, bike.id, "b", citizen)
    factories.link(platform, maps.id, "m", citizen)
    start = clock.now() - timedelta(hours=2)
    [maps_first] = submit(platform, maps.id, [record("cycling", user="m", start=start)])
    [bike_later] = submit(
        platform, bike.id, [record("cycling", user="b", start=start + timedelta(minutes=3))]
    )
    assert maps_first.status is Status.ACCEPTED
    assert bike_later.status is Status.DUPLICATE and bike_later.duplicate_of == maps_first.record
    rollups_match_records(platform)


def test_pending_records_are_credited_when_linked_and_expire_after_the_window(
    platform: Platform,
) -> None:
    partner = factories.add_partner(platform)
    now = clock.now()
    received = now - timedelta(days=31)
    early = submit(
        platform,
        partner.id,
        [record("cycling", user="late", start=received - timedelta(hours=3))],
        now=received,
    )
    fresh = submit(
        platform,
        partner.id,
        [record("metro", user="late", quantity=1, start=now - timedelta(hours=2))],
    )
    assert early[0].status is Status.PENDING and fresh[0].status is Status.PENDING
    citizen = factories.add_citizen(platform)
    assert factories.link(platform, partner.id, "late", citizen, now=now) == 1
    with db.read(platform.engine) as conn:
        rows = {r.id: r for r in conn.execute(select(records))}
    assert (rows[early[0].record].status, rows[early[0].record].reason) == (
        "rejected",
        "link_window_expired",
    )
    assert (
        rows[fresh[0].record].status == "accepted" and rows[fresh[0].record].leaf_index is not None
    )
    rollups_match_records(platform)


def test_scheduled_expiry_of_pending_records(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    submit(platform, partner.id, [record("cycling", user="never")])
    with db.write(platform.engine) as conn:
        assert pending.expire(conn, platform, clock.now()) == 0
    with db.write(platform.engine) as conn:
        assert pending.expire(conn, platform, clock.now() + timedelta(days=31)) == 1
    rollups_match_records(platform)


def test_every_credit_is_a_leaf_and_names_its_methodology(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "u", citizen)
    results = submit(
        platform,
        partner.id,
        [
            record("cycling", user="u", start=clock.now() - timedelta(hours=3)),
            record("walking", user="u", quantity=6000, start=clock.now() - timedelta(hours=2)),
            record("returned_box", user="u", quantity=1, evidence={"key": "k-1"}),
        ],
    )
    with db.read(platform.engine) as conn:
        head = sequencer.head(conn)
        leaves = [
            Leaf.decode(log_repo.entry(conn, r.leaf_index))
            for r in results
            if r.leaf_index is not None
        ]
    assert head.size == 3 and all(
        leaf.names_record(r.record or "") for leaf, r in zip(leaves, results, strict=True)
    )
    assert [leaf.methodology for leaf in leaves] == [
        "cycling@2022-08",
        "walking@2022-08",
        "returned_box@2022-08",
    ]
    assert [leaf.points for leaf in leaves] == [r.points for r in results]
    # One citizen, one local day, three scenarios: three unrelated pseudonyms, no time of day.
    assert len({leaf.account for leaf in leaves}) == 3
    assert all(len(leaf.account or "") == 32 for leaf in leaves)
    assert all(leaf.v == 2 and leaf.time is None for leaf in leaves)


def test_reversal_claws_back_and_appends_a_reversal_leaf(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "u", citizen)
    [credit] = submit(platform, partner.id, [record("cycling", user="u")])
    with db.write(platform.engine) as conn:
        index = reverse(
            conn,
            platform,
            credit.record or "",
            "the operator found a duplicate account",
            clock.now(),
        )
    with db.read(platform.engine) as conn:
        leaf = Leaf.decode(log_repo.entry(conn, index))
    assert (leaf.kind, leaf.reverses, leaf.points, leaf.reduction_mg) == (
        "reversal",
        credit.leaf_index,
        -214,
        -214200,
    )
    assert points_balance(platform)[f"citizen:{citizen}"] == 0
    rollups_match_records(platform)


def test_checkpoint_is_published_for_new_leaves(platform: Platform) -> None:
    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "u", citizen)
    with db.write(platform.engine) as conn:
        assert publisher.publish(conn, platform, clock.now()) == 0
    submit(platform, partner.id, [record("cycling", user="u")])
    with db.write(platform.engine) as conn:
        assert publisher.publish(conn, platform, clock.now()) == 1
        assert publisher.publish(conn, platform, clock.now()) is None
        note = publisher.served_note(conn)
    assert note is not None and note.startswith(f"{platform.settings.log_origin}\n1\n")


def test_deleting_a_citizen_unties_their_leaves(platform: Platform) -> None:
    from carbonledger.accounts import service as accounts
    from carbonledger.accounts.repository import citizen as citizen_row
    from carbonledger.translog.pseudonyms import day_pseudonym

    partner = factories.add_partner(platform)
    citizen = factories.add_citizen(platform)
    factories.link(platform, partner.id, "u", citizen)
    [credit] = submit(platform, partner.id, [record("cycling", user="u")])
    with db.write(platform.engine) as conn:
        row = citizen_row(conn, citizen)
        assert row is not None
        leaf = Leaf.decode(log_repo.entry(conn, credit.leaf_index or 0))
        before = day_pseudonym(row.pseudonym_key, leaf.day, leaf.scenario)
        accounts.delete_citizen(conn, citizen, clock.now())
        after = citizen_row(conn, citizen)
    assert leaf.account == before
    assert after is not None and after.pseudonym_key is None and after.phone_hash is None
    assert after.name_enc is None and after.status == "deleted"
    [later] = submit(platform, partner.id, [record("cycling", user="u")])
    assert later.status is Status.PENDING


def test_points_reconcile_with_the_log(platform: Platform) -> None:
    from sqlalchemy import update

    from carbonledger.points.reconcile import reconcile
    from carbonledger.points.tables import point_accounts

    partner = factories.add_partner(platform)
    citizens = [factories.add_citizen(platform) for _ in range(3)]
    for number, citizen in enumerate(citizens):
        factories.link(platform, partner.id, f"u{number}", citizen)
    results = submit(
        platform,
        partner.id,
        [
            record("cycling", user=f"u{n}", start=clock.now() - timedelta(hours=h))
            for n in range(3)
            for h in (2, 4)
        ],
    )
    with db.write(platform.engine) as conn:
        reverse(conn, platform, results[0].record or "", "a test of reversal", clock.now())
        publisher.publish(conn, platform, clock.now())
    with db.read(platform.engine) as conn:
        good = reconcile(conn)
    assert good.ok, good.problems
    assert good.leaf_points == good.issued_for_leaves == 5 * 214
    assert good.circulating == 5 * 214
    with db.write(platform.engine) as conn:  # tamper: a balance changed outside any transfer
        conn.execute(
            update(point_accounts)
            .where(point_accounts.c.id == f"citizen:{citizens[1]}")
            .values(balance=point_accounts.c.balance + 7)
        )
    with db.read(platform.engine) as conn:
        bad = reconcile(conn)
    assert not bad.ok
    assert any("sum to 7" in p for p in bad.problems)
    assert any(f"citizen:{citizens[1]}" in p for p in bad.problems)


def test_no_personal_data_in_the_public_log(platform: Platform) -> None:
    from carbonledger.accounts import service as accounts
    from carbonledger.translog.tables import checkpoints, log_bundles, log_tiles

    partner = factories.add_partner(platform)
    name, mobile, number = "赵六", factories.phone(), factories.id_number()
    with db.write(platform.engine) as conn:
        citizen = accounts.add_citizen(
            conn,
            platform.keys,
            name=name,
            phone=mobile,
            id_number=number,
            region="110108",
            now=clock.now(),
        )
    factories.link(platform, partner.id, "partner-user-8812", citizen)
    submit(
        platform,
        partner.id,
        [
            record("cycling", user="partner-user-8812"),
            record("walking", user="partner-user-8812", quantity=4000),
        ],
    )
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
        public = b"".join(
            [row[0] for row in conn.execute(select(log_bundles.c.data))]
            + [row[0] for row in conn.execute(select(log_tiles.c.data))]
            + [row[0].encode() for row in conn.execute(select(checkpoints.c.note))]
        )
    assert b'"kind":"credit"' in public
    for secret in (name, mobile, number, "partner-user-8812", citizen):
        assert secret.encode() not in public, secret
