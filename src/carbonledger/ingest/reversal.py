"""Reversal of a credit after review (撤销): a reversal leaf in the log (negative grams and points,
naming the leaf it reverses), the points clawed back from the citizen, the record marked
`rejected` / `reversed`, the rollups corrected — all in the caller's one transaction.

The clawback takes back the base points (to issuance) and the campaign bonuses (to their
budgets) the credit paid. Points the citizen has already spent cannot be taken back without a
negative balance, so it takes what the balance holds, base first. The reversal leaf carries
minus the base clawed back, so the log and the issuance account keep agreeing; the record's
`points_clawed_back` and the rollups count base and bonuses, like the record's `points`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.engine import Connection

from carbonledger.errors import Conflict, NotFound
from carbonledger.ingest import repository as repo
from carbonledger.ingest.results import Status
from carbonledger.ingest.rollups import Rollups
from carbonledger.market.lots import cover_reversal
from carbonledger.points.awarding import claw_back
from carbonledger.translog import repository as log_repo
from carbonledger.translog import sequencer
from carbonledger.translog.leaves import Leaf


def reverse(conn: Connection, record_id: str, reason: str, now: datetime) -> int:
    """Reverse an accepted record's credit; return the reversal's leaf index."""
    if not reason.strip():
        raise Conflict("a reversal needs a reason", code="reason_required")
    head = sequencer.lock(conn)
    row = repo.record_by_id(conn, record_id)
    if row is None:
        raise NotFound(f"no record has the id {record_id!r}", code="unknown_record")
    if row.status != Status.ACCEPTED.value or row.leaf_index is None:
        raise Conflict(
            f"record {record_id} is {row.status} ({row.reason}); only an accepted "
            "credit can be reversed",
            code="not_reversible",
        )
    credit = Leaf.decode(log_repo.entry(conn, row.leaf_index))
    leaf_index = head.size
    taken = claw_back(
        conn,
        citizen_id=row.citizen_id,
        record_id=record_id,
        at=row.occurred_at,
        leaf_index=leaf_index,
        reason=reason.strip(),
        now=now,
    )
    reversal = replace(
        credit,
        kind="reversal",
        reduction_mg=-credit.reduction_mg,
        points=-taken.base,
        reverses=row.leaf_index,
    )
    sequencer.append(conn, head, [reversal.encode()], now)
    repo.mark_reversed(conn, record_id, leaf_index, reason.strip(), taken.total, now)
    changes = Rollups()
    key = (row.day, row.region, row.scenario, row.partner_id)
    changes.count(key, Status.ACCEPTED, -1)
    changes.count(key, Status.REJECTED)
    changes.credit(key, -row.reduction_mg, -taken.total)
    repo.add_rollups(conn, changes)
    # A credit already in an issued lot is covered by cancelling the lot's buffer units.
    cover_reversal(conn, row.leaf_index, now)
    return leaf_index
