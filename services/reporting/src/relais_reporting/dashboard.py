"""The dashboard: static French pages that draw the indicator document and follow its SSE stream.

No bundler: the files of `services/reporting/web/` are served as they are, and Chart.js comes
from that folder's `node_modules/` (installed from its package-lock.json by `npm ci`). Only the
files named below are served, so no request can read anything else from the disk.
"""

import logging
from pathlib import Path

from fastapi import APIRouter
from relais_runtime.pages import pages_router

log = logging.getLogger(__name__)

# URL name → path inside the dashboard folder.
STATIC = {
    "app.js": "app.js",
    "figures.js": "figures.js",
    "style.css": "style.css",
    "chart.umd.min.js": "node_modules/chart.js/dist/chart.umd.min.js",
}
CHART_LIBRARY = STATIC["chart.umd.min.js"]


def dashboard_router(folder: Path) -> APIRouter:
    if not (folder / CHART_LIBRARY).is_file():
        # The page still shows every figure in its tables; only the charts are missing.
        log.warning(
            "dashboard charts unavailable: %s is missing; run `npm ci` in %s (deploy/local/setup.sh does it)",
            CHART_LIBRARY,
            folder,
        )
    return pages_router(folder, STATIC)
