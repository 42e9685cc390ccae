"""Public pages: the landing page, the reduction handbook (减排手册: every scenario with its
factor, unit, status and source), and the chart library served from the installed `plotly`
package, so no page fetches anything from outside the platform."""

from __future__ import annotations

from datetime import date
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.methodology.catalogue import Catalogue, Version
from carbonledger.web.base.rendering import render

router = APIRouter(include_in_schema=False)


def _plotly_js() -> Path:
    """plotly.js as shipped inside the installed `plotly` package (found without importing it)."""
    spec = find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plotly package is not installed; reinstall the project")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


PLOTLY_JS = _plotly_js()
_MILLI = 1000


def _factor(version: Version) -> str:
    public = version.to_public()
    if "factor_g" in public:
        return f"{public['factor_g']:g} g"
    return f"× {public.get('embodied_rate', 0):g}"


def handbook_rows(catalogue: Catalogue, today: date) -> list[dict[str, Any]]:
    """One row per scenario with the version in force today and the published versions that
    take effect later; the daily cap in its own unit (records for a scenario whose cap counts
    records, else the scenario's unit)."""
    rows = []
    for scenario in catalogue.scenarios:
        version = catalogue.version_at(scenario.code, today)
        factor = _factor(version)
        upcoming = [
            {
                "from": later.effective_from.isoformat(),
                "factor": _factor(later),
                "version": f"{scenario.code}@{later.id}",
            }
            for later in scenario.versions
            if later.effective_from > today
        ]
        rows.append(
            {
                "code": scenario.code,
                "name_zh": scenario.name_zh,
                "name_en": scenario.name_en,
                "category": scenario.category,
                "category_zh": scenario.category_zh,
                "unit": scenario.unit,
                "unit_zh": scenario.unit_zh,
                "factor": factor,
                "cap": f"{scenario.daily_cap_milli / _MILLI:g}",
                "cap_counts_records": scenario.cap_counts_records,
                "upcoming": upcoming,
                "status": version.status,
                "provenance": version.provenance,
                "version": f"{scenario.code}@{version.id}",
            }
        )
    return rows


@router.get("/")
async def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/handbook")
async def handbook(request: Request) -> HTMLResponse:
    platform = platform_of(request)
    today = clock.now().astimezone(platform.settings.zone).date()
    catalogue = await transactions.read(request, platform.refresh_catalogue)
    return render(request, "handbook.html", scenarios=handbook_rows(catalogue, today))


@router.get("/static/vendor/plotly.min.js")
async def plotly_js() -> FileResponse:
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
