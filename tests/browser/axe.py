"""The axe-core accessibility check: the npm package installed under tests/browser/axe (by
.ci/run: `npm install --prefix tests/browser/axe`), served to the page from that file at an
address of the platform's own (so the Content-Security-Policy allows it and nothing is fetched
from outside). Serious and critical violations fail a test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import REQUIRE_BROWSER

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
}"""


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """The page's serious and critical axe-core violations, each with a few of its elements."""
    if not AXE.is_file():
        message = "axe-core is not installed: npm install --prefix tests/browser/axe"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    page.route(
        "**/__axe-core.js",
        lambda route: route.fulfill(path=str(AXE), content_type="application/javascript"),
    )
    page.add_script_tag(url="/__axe-core.js")
    found: list[dict[str, Any]] = page.evaluate(_RUN)
    return [v for v in found if v["impact"] in SERIOUS]
