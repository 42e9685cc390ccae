"""Structured log lines: one JSON object a line when stderr is not a terminal (a file, journald,
a collector), a short readable line on a terminal. Request and job lines carry only what an
operator searches by (request id, route template, partner id, status, duration), never a path
with its parameters, a body, a name, a phone, an ID number, a partner's user id, a code or a key.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

from carbonledger.observability import metrics

# The fields a line may carry besides its message; anything else passed in `extra` is dropped.
FIELDS = (
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "partner",
    "job",
    "outcome",
)

requests_log = logging.getLogger("carbonledger.request")
jobs_log = logging.getLogger("carbonledger.job")


def job_done(job: str, ok: bool, seconds: float) -> None:
    """Count a background job's round and write its line (a failure is also logged where it
    happened, with its trace)."""
    metrics.job_ran(job, ok)
    jobs_log.log(
        logging.INFO if ok else logging.WARNING,
        "job",
        extra={
            "job": job,
            "outcome": "ok" if ok else "failed",
            "duration_ms": round(seconds * 1000, 1),
        },
    )


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the known fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The type and where it was raised; exception messages may quote input, so the
            # traceback lines are kept and the message is not.
            line["error"] = record.exc_info[0].__name__
            line["trace"] = self.formatStack(_frames(record))
        return json.dumps(line, ensure_ascii=False)


def _frames(record: logging.LogRecord) -> str:
    assert record.exc_info is not None
    _kind, _error, tb = record.exc_info
    return "".join(traceback.format_tb(tb))


class Readable(logging.Formatter):
    """For a terminal: time, level, message and the known fields as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(
            f"{name}={getattr(record, name)}"
            for name in FIELDS
            if getattr(record, name, None) is not None
        )
        text = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.getMessage()}"
        text = f"{text} {fields}" if fields else text
        if record.exc_info and record.exc_info[0] is not None:
            text += f"\n{_frames(record)}{record.exc_info[0].__name__} (message not logged)"
        return text


def configure(level: int = logging.INFO) -> None:
    """Send the platform's log lines to stderr, as JSON unless stderr is a terminal."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Readable() if sys.stderr.isatty() else JsonLines())
    # Every logger writes through this handler: uvicorn's (started without a logging config of
    # its own, and without its access log, which would print paths with their parameters) and
    # the libraries' warnings alike.
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("carbonledger").setLevel(level)
