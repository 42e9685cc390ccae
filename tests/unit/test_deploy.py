"""The operations files in deploy/ load: the alert rules pass `promtool check rules`, the Grafana
board matches the dashboard schema below, and every carbonledger metric either one names is a
metric the platform exports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from carbonledger.config import Settings
from carbonledger.observability import metrics
from carbonledger.observability.figures import DatabaseFigures
from carbonledger.platform import Platform

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
BOARD = ROOT / "deploy" / "grafana" / "carbonledger.json"
_NAME = re.compile(r"\bcarbonledger_[a-z_]+")

# What Grafana needs of a dashboard file it imports (its own JSON model, the parts used here).
_TARGET = {
    "type": "object",
    "required": ["refId", "expr"],
    "properties": {"refId": {"type": "string"}, "expr": {"type": "string", "minLength": 1}},
}
_PANEL = {
    "type": "object",
    "required": ["id", "type", "title", "gridPos", "targets", "datasource"],
    "properties": {
        "id": {"type": "integer"},
        "type": {"enum": ["timeseries", "stat", "gauge", "table", "bargauge"]},
        "title": {"type": "string", "minLength": 1},
        "gridPos": {
            "type": "object",
            "required": ["x", "y", "w", "h"],
            "properties": {
                "x": {"type": "integer", "minimum": 0, "maximum": 23},
                "y": {"type": "integer", "minimum": 0},
                "w": {"type": "integer", "minimum": 1, "maximum": 24},
                "h": {"type": "integer", "minimum": 1},
            },
        },
        "targets": {"type": "array", "minItems": 1, "items": _TARGET},
    },
}
DASHBOARD_SCHEMA = {
    "type": "object",
    "required": ["uid", "title", "schemaVersion", "panels", "time"],
    "properties": {
        "uid": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,40}$"},
        "title": {"type": "string", "minLength": 1},
        "schemaVersion": {"type": "integer", "minimum": 30},
        "panels": {"type": "array", "minItems": 1, "items": _PANEL},
        "time": {"type": "object", "required": ["from", "to"]},
    },
}


def _board() -> dict[str, Any]:
    board: dict[str, Any] = json.loads(BOARD.read_text())
    return board


def test_the_alert_rules_pass_promtool() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CARBONLEDGER_REQUIRE_POSTGRES") == "1":
            pytest.fail("promtool (Debian's prometheus package) is required in CI")
        pytest.skip("promtool not installed (Debian's prometheus package)")
    checked = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


def test_the_alerts_cover_what_an_operator_is_paged_for() -> None:
    rules = yaml.safe_load(RULES.read_text())["groups"][0]["rules"]
    names = {rule["alert"] for rule in rules}
    assert {"CheckpointStale", "WitnessSilent", "ServerErrors", "PendingRecordsPilingUp"} <= names
    assert {"LogLockWaitHigh", "DiskFilling"} <= names
    assert all(rule["annotations"]["summary"] for rule in rules)


def test_the_board_matches_the_dashboard_schema() -> None:
    board = _board()
    jsonschema.validate(board, DASHBOARD_SCHEMA)
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))


def test_no_two_panels_overlap() -> None:
    cells: set[tuple[int, int]] = set()
    for panel in _board()["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        mine = {
            (x, y)
            for x in range(pos["x"], pos["x"] + pos["w"])
            for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not cells & mine, panel["title"]
        cells |= mine


_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _exported(tmp_path: Path) -> set[str]:
    """The series names the platform exports, labelled or not, used yet or not."""
    platform = Platform.open(Settings(data_dir=tmp_path / "data"))
    families = [*metrics.registry().collect(), *DatabaseFigures(platform).collect()]
    platform.close()
    return {family.name + end for family in families for end in _SUFFIXES[family.type]}


def test_every_metric_named_is_exported(tmp_path: Path) -> None:
    exported = _exported(tmp_path)
    named = set(_NAME.findall(RULES.read_text())) | set(_NAME.findall(BOARD.read_text()))
    assert named, "the files name no carbonledger metric"
    assert named <= exported, sorted(named - exported)
