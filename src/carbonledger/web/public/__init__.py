"""Public pages, open to anyone: the landing page, the reduction handbook, the live city
dashboard with its event stream, the public log's explorer and audit (/log), the API's
documentation (/docs, /redoc), and the chart
library and the documentation's scripts served from installed packages."""

from __future__ import annotations

from fastapi import APIRouter

from carbonledger.web.public import dashboard, docs, log_explorer, pages

router = APIRouter(include_in_schema=False)
for group in (pages, dashboard, log_explorer, docs):
    router.include_router(group.router)
