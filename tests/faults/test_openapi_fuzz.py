"""Schemathesis against the served `/openapi.json`: for generated requests to every documented
route, the platform never answers with a server error, and every answer's status, content type
and body are those the document describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from carbonledger.app import create_app
from carbonledger.config import Settings
from carbonledger.platform import Platform

pytestmark = pytest.mark.slow
EXAMPLES = 15


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    platform = Platform.open(Settings(data_dir=data_dir))
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(platform, background=False))


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_no_server_error_and_every_answer_as_documented(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            run()
        except Exception as error:
            raise AssertionError(f"{operation.label}: {error}") from error
