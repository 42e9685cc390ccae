"""The API's documentation pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), served with their
scripts and styles from the installed `fastapi-offline` package instead of a CDN, so that they
work with no network beyond the platform. ReDoc's script draws a sidebar logo from Redocly's
CDN; the platform serves the script with that address pointed at its own copy."""

from __future__ import annotations

from functools import cache
from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response

router = APIRouter(include_in_schema=False)
TITLE = "Carbon Ledger API"
OPENAPI = "/openapi.json"
VENDOR = "/static/vendor/docs"


def _assets() -> Path:
    """The folder of Swagger UI's and ReDoc's files inside the installed `fastapi_offline`."""
    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the fastapi-offline package is not installed; reinstall the project")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


ASSETS = _assets()
FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=OPENAPI,
        title=TITLE,
        swagger_js_url=f"{VENDOR}/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui.css",
        swagger_favicon_url=f"{VENDOR}/favicon.png",
    )


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url=OPENAPI,
        title=TITLE,
        redoc_js_url=f"{VENDOR}/redoc.standalone.js",
        redoc_favicon_url=f"{VENDOR}/favicon.png",
        with_google_fonts=False,
    )


@cache
def _redoc_js() -> bytes:
    """ReDoc's script, its sidebar logo drawn from the platform instead of Redocly's CDN."""
    script = (ASSETS / "redoc.standalone.js").read_bytes()
    return script.replace(_REDOC_LOGO, f"{VENDOR}/favicon.png".encode())


_REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
_CACHED = {"Cache-Control": "public, max-age=86400"}


@router.get(VENDOR + "/{name}")
async def asset(name: str) -> Response:
    media_type = FILES.get(name)
    if media_type is None:
        raise HTTPException(status_code=404)
    if name == "redoc.standalone.js":
        return Response(_redoc_js(), media_type=media_type, headers=_CACHED)
    return FileResponse(ASSETS / name, media_type=media_type, headers=_CACHED)
