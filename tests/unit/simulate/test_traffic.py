"""What a simulated partner sends: its own kind's behaviour, only what has happened in the
window, under the run's tag, the same again for the same run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from carbonledger.errors import InvalidInput
from carbonledger.ingest.records import Record, validate
from carbonledger.methodology.catalogue import Catalogue
from carbonledger.simulate.traffic import is_city_partner, partner_records, profile_of

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 4, 10, 30, tzinfo=UTC)  # 18:30 in the city


def _sent(kind: str, run: str = "r1", days: int = 2) -> list[dict[str, object]]:
    return list(partner_records(kind, seed=3, citizens=150, zone=ZONE, days=days, now=NOW, run=run))


def test_a_city_partner_is_its_own_kind_and_others_need_one() -> None:
    assert profile_of("maps-a").scenarios == ("cycling", "metro", "bus")
    assert profile_of("mobike", "bikeshare").id == "bikeshare"
    assert is_city_partner("metro") and not is_city_partner("mall")
    with pytest.raises(InvalidInput, match="give --kind for 'mobike'"):
        profile_of("mobike")
    with pytest.raises(InvalidInput, match="'mall' is not a data partner"):
        profile_of("mall")  # a merchant reports no behaviour


def test_only_what_happened_in_the_window_under_the_run_tag() -> None:
    sent = _sent("maps-a")
    assert sent
    catalogue = Catalogue.load()
    for record in sent:
        parsed = validate(record, catalogue)
        assert isinstance(parsed, Record)
        assert parsed.scenario in {"cycling", "metro", "bus"}
        assert str(record["user"]).startswith("maps-a-u")
        assert str(record["external_id"]).startswith("r1-maps-a-")
        assert NOW - timedelta(days=2) <= parsed.occurred_at
        assert (parsed.ended_at or parsed.occurred_at) <= NOW
    assert len({r["external_id"] for r in sent}) == len(sent)


def test_a_longer_window_holds_the_shorter_one() -> None:
    short = {str(r["external_id"]) for r in _sent("steps-a", days=1)}
    long = {str(r["external_id"]) for r in _sent("steps-a", days=3)}
    assert short and short < long


def test_the_same_run_sends_the_same_records_and_another_run_new_ids() -> None:
    first, again, other = _sent("food"), _sent("food"), _sent("food", run="r2")
    assert first == again
    assert [r["external_id"] for r in other] == [
        "r2" + str(r["external_id"]).removeprefix("r1") for r in first
    ]
    assert [{**r, "external_id": ""} for r in other] == [{**r, "external_id": ""} for r in first]
