"""Hypothesis over every form and JSON route a citizen, a partner (signed) or a merchant (signed,
and its staff on the portal) can reach, found by walking the app's routes: random bodies and
fields, with the values that broke things before (far dates, huge numbers, lone surrogates,
formulas, odd digits), sent over real HTTP as the logged-in or signed caller. Every answer is
below 500, and a refusal changes nothing: the row count of every table and the points every
kind of account holds are as before. (Nonces and failed-login counts are the bookkeeping of the
refusal itself and are left out.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from carbonledger import db
from carbonledger.app import create_app
from carbonledger.client import PartnerClient
from carbonledger.platform import Platform
from carbonledger.points.tables import point_accounts
from carbonledger.schema import metadata
from tests import factories

Served = tuple[Platform, str]
FUZZ = settings(
    max_examples=6,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BOOKKEEPING = {"nonces", "login_failures"}
# Routes that end the caller's own session or account: a success is meant to change that.
LEAVING = re.compile(r"logout|/api/v1/session$|^/api/v1/me$|/app/account")
FIELD_NAMES = (
    "phone",
    "password",
    "name",
    "id_number",
    "region",
    "units",
    "project",
    "key",
    "choice",
    "question",
    "event",
    "code",
    "reward",
    "partner",
    "access_key",
    "public_key",
    "next",
    "starts_at",
    "ends_at",
    "multiplier",
    "budget",
    "price",
    "stock",
    "valid_from",
    "valid_until",
    "per_citizen_limit",
    "kind",
    "name_zh",
    "name_en",
    "user",
    "records",
    "external_id",
    "scenario",
    "occurred_at",
    "quantity",
    "idempotency_key",
    "reason",
    "status",
    "count",
    "lang",
)
EDGES = st.sampled_from(
    [
        "9999-12-31T23:59:59+00:00",
        "0001-01-01T00:00:00+00:00",
        10**19,
        -(10**19),
        1e308,
        "²",
        "９",
        "\ud800",
        '=HYPERLINK("http://evil.example","x")',
        "",
        " " * 8,
        "a" * 5000,
        "../../etc/passwd",
        "<script>alert(1)</script>",
    ]
)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30) | EDGES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
BODIES = st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=8) | VALUES
SEGMENTS = st.sampled_from(["x", "01M8ZDVK9H1RPK2MK4YGJXGZ5X", "²", "9" * 30, "%00", "a" * 300])


def _app_routes(platform: Platform) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes)
            for method in sorted(getattr(route, "methods", None) or ()):
                if method not in {"GET", "HEAD"}:
                    found.append((method, route.path))

    walk(create_app(platform, background=False).routes)
    return sorted(set(found))


AUDIENCES = (
    ("/api/v1/merchant", "merchant"),
    ("/api/v1/me", "citizen"),
    ("/api/v1/citizens", "citizen"),
    ("/api/v1/session", "citizen"),
    ("/app/", "citizen-form"),
    ("/api/v1/records", "partner"),
    ("/api/v1/links", "partner"),
    ("/api/v1/partner", "partner"),
    ("/portal/", "portal-form"),
)
"""Who reaches a route, by the start of its path (the first that matches)."""


def _audience(path: str) -> str | None:
    if LEAVING.search(path):
        return None
    return next((who for start, who in AUDIENCES if path.startswith(start)), None)


def _state(platform: Platform) -> dict[str, int]:
    with db.read(platform.engine) as conn:
        counts = {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }
        held = conn.execute(
            select(point_accounts.c.kind, func.sum(point_accounts.c.balance)).group_by(
                point_accounts.c.kind
            )
        )
        counts.update({f"points:{kind}": int(total or 0) for kind, total in held})
    return counts


class Callers:
    """The logged-in and signed callers of one served platform."""

    def __init__(self, platform: Platform, url: str) -> None:
        citizen_id, self.citizen = factories.citizen_client(url, platform)
        factories.grant_points(platform, citizen_id, 500)
        data = factories.add_partner(platform)
        merchant = factories.add_partner(platform, role="merchant")
        factories.link(platform, data.id, "u-1", citizen_id)
        self.partner = PartnerClient(url, data.id, data.key)
        self.merchant = PartnerClient(url, merchant.id, merchant.key)
        self.portal = factories.portal_client(url, platform, merchant.id)
        self.portal_csrf = _csrf(self.portal.get("/portal/keys").text)
        self.citizen_csrf = str(self.citizen.headers["X-CSRF-Token"])

    def close(self) -> None:
        for client in (self.citizen, self.portal, self.partner, self.merchant):
            client.close()

    def send(self, audience: str, method: str, path: str, body: Any) -> httpx.Response:
        if audience in ("partner", "merchant"):
            client = self.partner if audience == "partner" else self.merchant
            raw = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
            headers = client.headers(method, path, raw)
            return client.http.request(method, path, content=raw, headers=headers)
        if audience == "citizen":
            raw = json.dumps(body).encode()  # a lone surrogate goes as its \\ud800 escape
            headers = {"Content-Type": "application/json"}
            return self.citizen.request(method, path, content=raw, headers=headers)
        form = {
            str(key): json.dumps(value) if not isinstance(value, str) else value
            for key, value in (body.items() if isinstance(body, dict) else {"value": body}.items())
        }
        form = {
            key: value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            for key, value in form.items()
        }
        client, csrf = (
            (self.citizen, self.citizen_csrf)
            if audience == "citizen-form"
            else (self.portal, self.portal_csrf)
        )
        return client.request(method, path, data={**form, "csrf_token": csrf})


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form"
    return found.group(1)


@pytest.fixture(scope="module")
def callers(served: Served) -> Iterator[Callers]:
    made = Callers(*served)
    yield made
    made.close()


def _reachable() -> list[tuple[str, str, str]]:
    import tempfile
    from pathlib import Path

    from carbonledger.config import Settings

    with tempfile.TemporaryDirectory() as folder:
        platform = Platform.open(Settings(data_dir=Path(folder) / "data"))
        try:
            routes = _app_routes(platform)
        finally:
            platform.close()
    return [
        (audience, method, path)
        for method, path in routes
        if (audience := _audience(path)) is not None
    ]


REACHABLE = _reachable()


def test_the_walk_finds_every_audience() -> None:
    audiences = {audience for audience, _, _ in REACHABLE}
    assert audiences == {"citizen", "citizen-form", "partner", "merchant", "portal-form"}
    assert len(REACHABLE) >= 30


@pytest.mark.parametrize(("audience", "method", "path"), REACHABLE)
@FUZZ
@given(body=BODIES, segment=SEGMENTS)
def test_no_route_fails_or_changes_anything_on_a_refusal(
    served: Served,
    callers: Callers,
    audience: str,
    method: str,
    path: str,
    body: Any,
    segment: str,
) -> None:
    platform, _ = served
    concrete = re.sub(r"\{[^}]+\}", segment, path)
    before = _state(platform)
    answer = callers.send(audience, method, concrete, body)
    assert answer.status_code < 500, (method, concrete, answer.text[:300])
    if answer.status_code >= 400:
        assert _state(platform) == before, (method, concrete, answer.status_code)
