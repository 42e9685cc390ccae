"""Record validation: every problem of a record reported at once, integers out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from carbonledger.ingest.records import Invalid, Record, content_hash, validate
from carbonledger.methodology.catalogue import Catalogue

CATALOGUE = Catalogue.load()
GOOD = {
    "external_id": "t-1",
    "user": "u-1",
    "scenario": "cycling",
    "occurred_at": "2026-11-01T08:20:03+08:00",
    "ended_at": "2026-11-01T08:41:10+08:00",
    "quantity": 4.2,
    "region": "110108",
}


def test_a_good_record_in_integer_units() -> None:
    record = validate(GOOD, CATALOGUE)
    assert isinstance(record, Record)
    assert record.quantity_milli == 4200 and record.region == "110108"
    assert record.occurred_at == datetime(2026, 11, 1, 0, 20, 3, tzinfo=UTC)
    assert record.occurred_at.utcoffset() == timedelta(hours=8)
    assert record.occurred_at.tzinfo == timezone(timedelta(hours=8))


def test_all_problems_at_once() -> None:
    bad = {
        "external_id": "x" * 129,
        "user": 5,
        "scenario": "cycling",
        "occurred_at": "2026-11-01 08:20",
        "quantity": True,
        "region": "1101",
        "evidence": [],
        "extra": 1,
    }
    result = validate(bad, CATALOGUE)
    assert isinstance(result, Invalid) and result.reason == "invalid_field"
    assert {e.field for e in result.errors} == {
        "external_id",
        "user",
        "occurred_at",
        "quantity",
        "region",
        "evidence",
        "extra",
        "ended_at",
    }
    assert result.external_id is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": "2026-11-01T08:20:03"}, "occurred_at"),  # no offset
        ({"occurred_at": "2026-02-30T08:20:03Z"}, "occurred_at"),  # no such day
        ({"ended_at": "2026-11-01T08:00:00+08:00"}, "ended_at"),  # before the start
        ({"quantity": 0}, "quantity"),
        ({"quantity": 0.0001}, "quantity"),
        ({"quantity": "4.2"}, "quantity"),
        ({"quantity": float("inf")}, "quantity"),
    ],
)
def test_field_problems(change: dict[str, object], field: str) -> None:
    result = validate(GOOD | change, CATALOGUE)
    assert isinstance(result, Invalid)
    assert [e.field for e in result.errors] == [field]
    assert result.external_id == "t-1"


def test_unknown_scenario() -> None:
    result = validate(GOOD | {"scenario": "flying"}, CATALOGUE)
    assert isinstance(result, Invalid) and result.reason == "unknown_scenario"


def test_evidence_key_and_embodied_are_required_where_the_class_needs_them() -> None:
    box = {
        "external_id": "b",
        "user": "u",
        "scenario": "returned_box",
        "occurred_at": "2026-11-01T08:00:00Z",
        "quantity": 1,
    }
    assert [e.field for e in validate(box, CATALOGUE).errors] == ["evidence.key"]  # type: ignore[union-attr]
    item = box | {"scenario": "secondhand", "evidence": {"key": "i-1"}}
    assert [e.field for e in validate(item, CATALOGUE).errors] == ["evidence.embodied_g"]  # type: ignore[union-attr]
    ok = validate(item | {"evidence": {"key": "i-1", "embodied_g": 1500.5}}, CATALOGUE)
    assert isinstance(ok, Record) and ok.embodied_mg == 1_500_500 and ok.evidence_key == "i-1"


def test_content_hash_ignores_key_order_but_not_values() -> None:
    reordered = dict(reversed(list(GOOD.items())))
    assert content_hash(GOOD) == content_hash(reordered)
    assert content_hash(GOOD) != content_hash(GOOD | {"quantity": 4.3})
