"""Log lines: JSON with the known fields only, and an exception's type and frames but not its
message (which may quote the input)."""

from __future__ import annotations

import json
import logging
import sys

from carbonledger.observability.logs import JsonLines, Readable


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("carbonledger.request", logging.INFO, "x", 1, "request", (), None)
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def test_a_line_is_one_json_object_with_the_known_fields() -> None:
    line = JsonLines().format(
        _record(route="/api/v1/records", status=200, partner="bike", body="secret", user="u-9")
    )
    parsed = json.loads(line)
    assert "\n" not in line
    assert parsed["level"] == "info" and parsed["msg"] == "request"
    assert parsed["route"] == "/api/v1/records" and parsed["status"] == 200
    assert parsed["partner"] == "bike"
    assert "body" not in parsed and "user" not in parsed


def test_an_exception_keeps_its_type_and_frames_but_not_its_message() -> None:
    phone = "".join(["138", "0013", "8000"])
    record = logging.LogRecord("carbonledger.app", logging.ERROR, "x", 1, "failed", (), None)
    try:
        raise ValueError(f"phone {phone} is invalid")
    except ValueError:
        record.exc_info = sys.exc_info()
    parsed = json.loads(JsonLines().format(record))
    assert parsed["error"] == "ValueError"
    assert "test_an_exception_keeps" in parsed["trace"]
    assert phone not in json.dumps(parsed)


def test_a_terminal_line_leaves_out_the_exception_message_too() -> None:
    secret = "".join(["1101", "0519491231002X"])
    record = logging.LogRecord("carbonledger.app", logging.ERROR, "x", 1, "failed", (), None)
    try:
        raise ValueError(f"id number {secret}")
    except ValueError:
        record.exc_info = sys.exc_info()
    text = Readable().format(record)
    assert "ValueError" in text and "failed" in text
    assert secret not in text
