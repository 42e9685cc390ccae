"""Forming a lot (组批) in two steps, so that the slow part holds no write lock:

1. `plan` (a read transaction): the eligible credits of the period, scenarios and regions —
   credited, older than the review window, out of the review queue, under the latest
   checkpoint, in no lot yet — counted and totalled, their methodology versions, and the digest
   of their leaves, read from the stored level-0 tiles.
2. `form` (a write transaction): the lot's row and its credits claimed in one statement; if the
   claim is not exactly the plan (a credit reversed, flagged or claimed by another lot in
   between), nothing is written and the operator forms the lot again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from carbonledger.errors import Conflict, InvalidInput
from carbonledger.market import registry_repository as registry_repo
from carbonledger.market import repository as repo
from carbonledger.market.manifest import leaves_digest
from carbonledger.market.units import DEFAULT_BUFFER_BP, DEFAULT_UNIT_MG, units_of
from carbonledger.translog import repository as log_repo
from carbonledger.translog import tiles
from carbonledger.translog.tables import log_tiles

DEFAULT_NOTICE_DAYS = 7
DEFAULT_REVIEW_DAYS = 30
_MAX_NOTICE_DAYS = 365
_MAX_REVIEW_DAYS = 3650
_REGION = re.compile(r"^\d{6}$")
_TILES_A_READ = 256


@dataclass(frozen=True, slots=True)
class LotTerms:
    """What an operator asks for when forming a lot."""

    period_start: date
    period_end: date
    scenarios: tuple[str, ...]
    regions: tuple[str, ...]
    unit_mg: int = DEFAULT_UNIT_MG
    buffer_bp: int = DEFAULT_BUFFER_BP
    notice_days: int = DEFAULT_NOTICE_DAYS
    review_days: int = DEFAULT_REVIEW_DAYS

    def problems(self, known_scenarios: Sequence[str]) -> list[str]:
        found = []
        if self.period_start > self.period_end:
            found.append("the period's start must not be after its end")
        if self.period_start.year != self.period_end.year:
            found.append("a lot's period lies within one year (its serials name the year)")
        if not self.scenarios:
            found.append("name at least one scenario")
        unknown = sorted(set(self.scenarios) - set(known_scenarios))
        if unknown:
            found.append(f"unknown scenario(s): {', '.join(unknown)}")
        if not self.regions:
            found.append("name at least one region (6-digit code)")
        bad = sorted(r for r in self.regions if not _REGION.match(r))
        if bad:
            found.append(f"regions are 6-digit codes, not {', '.join(bad)}")
        if self.unit_mg <= 0:
            found.append("the unit size must be a positive number of milligrams")
        if not 0 <= self.buffer_bp < 10_000:
            found.append("the buffer share is at least 0 % and under 100 %")
        if not 0 <= self.notice_days <= _MAX_NOTICE_DAYS:
            found.append(f"the notice period is 0 to {_MAX_NOTICE_DAYS} days")
        if not 0 <= self.review_days <= _MAX_REVIEW_DAYS:
            found.append(f"the review window is 0 to {_MAX_REVIEW_DAYS} days")
        return found


@dataclass(frozen=True, slots=True)
class Plan:
    """A lot as it will be formed: the terms, the credits found and what they add up to."""

    terms: LotTerms
    criteria: tuple[Any, ...]
    checkpoint_size: int
    checkpoint_root: bytes
    credits: int
    total_mg: int
    methodologies: tuple[str, ...]
    leaves_digest: str


def _leaf_hashes(conn: Connection, indexes: Iterator[int]) -> Iterator[tuple[int, bytes]]:
    """(index, leaf hash) from the stored level-0 tiles, read a few hundred tiles at a time."""
    loaded: dict[int, bytes] = {}
    for index in indexes:
        tile = index // tiles.TILE_WIDTH
        if tile not in loaded:
            rows = conn.execute(
                select(log_tiles.c.idx, log_tiles.c.data).where(
                    log_tiles.c.level == 0,
                    log_tiles.c.idx >= tile,
                    log_tiles.c.idx < tile + _TILES_A_READ,
                )
            )
            loaded = {int(row.idx): row.data for row in rows}
        at = (index % tiles.TILE_WIDTH) * tiles.HASH_SIZE
        yield index, loaded[tile][at : at + tiles.HASH_SIZE]


def plan(
    conn: Connection, terms: LotTerms, *, known_scenarios: Sequence[str], now: datetime
) -> Plan:
    """Find and add up the credits a lot of `terms` would take (a read transaction)."""
    problems = terms.problems(known_scenarios)
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_lot")
    checkpoint = log_repo.latest_checkpoint(conn)
    if checkpoint is None or checkpoint.size == 0:
        raise Conflict("the log has no checkpoint with credits yet", code="no_checkpoint")
    criteria: tuple[Any, ...] = (
        (terms.period_start, terms.period_end),
        sorted(terms.scenarios),
        sorted(terms.regions),
        now - timedelta(days=terms.review_days),
        int(checkpoint.size),
    )
    count, total_mg, methodologies = repo.free_totals(conn, *criteria)
    if count == 0:
        matching = repo.count_matching(conn, *criteria)
        why = (
            f"all {matching} matching credit(s) are already in a lot"
            if matching
            else f"no credit of the period is older than the {terms.review_days}-day review "
            "window, included in the latest checkpoint and out of the review queue"
        )
        raise Conflict(f"nothing to form a lot from: {why}", code="no_credits")
    if units_of(total_mg, terms.unit_mg) == 0:
        raise Conflict(
            f"the credits total {total_mg} mg, less than one unit of {terms.unit_mg} mg",
            code="lot_too_small",
        )
    digest = leaves_digest(_leaf_hashes(conn, repo.free_leaves(conn, *criteria)))
    return Plan(
        terms,
        criteria,
        int(checkpoint.size),
        bytes(checkpoint.root),
        count,
        total_mg,
        tuple(methodologies),
        digest,
    )


def form(conn: Connection, planned: Plan, *, city: str, by: str, now: datetime) -> int:
    """Form the planned lot (a write transaction); return its number."""
    registry_repo.ensure_system_accounts(conn, now)
    registry_repo.lock_market(conn)
    number = repo.next_lot_number(conn)
    terms = planned.terms
    repo.insert_lot(
        conn,
        {
            "number": number,
            "city": city,
            "year": terms.period_end.year,
            "period_start": terms.period_start,
            "period_end": terms.period_end,
            "scenarios": ",".join(sorted(terms.scenarios)),
            "regions": ",".join(sorted(terms.regions)),
            "methodologies": ",".join(planned.methodologies),
            "review_days": terms.review_days,
            "credits": planned.credits,
            "total_mg": planned.total_mg,
            "checkpoint_size": planned.checkpoint_size,
            "checkpoint_root": planned.checkpoint_root,
            "leaves_digest": planned.leaves_digest,
            "unit_mg": terms.unit_mg,
            "buffer_bp": terms.buffer_bp,
            "status": "notice",
            "notice_ends": now + timedelta(days=terms.notice_days),
            "formed_by": by,
            "formed_at": now,
        },
    )
    try:
        repo.claim_credits(conn, number, *planned.criteria)
    except IntegrityError:
        claimed = None
    else:
        claimed = repo.lot_totals(conn, number)
    if claimed != (planned.credits, planned.total_mg):
        raise Conflict(
            "the credits changed while the lot was being formed (one was reversed, flagged or "
            "taken by another lot); form the lot again",
            code="credits_changed",
        )
    return number
