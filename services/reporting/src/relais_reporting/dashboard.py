"""The dashboard: static French pages that draw the indicator document and follow its SSE stream.

No build step: one HTML page, one stylesheet, one script (see README, "Dashboard").
"""

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

WEB = files("relais_reporting") / "web"


def dashboard_router() -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/")
    def index() -> HTMLResponse:
        return HTMLResponse((WEB / "index.html").read_text(encoding="utf-8"))

    @r.get("/static/{name}")
    def static(name: str) -> Response:
        types = {"app.js": "text/javascript", "style.css": "text/css"}
        if name not in types:
            return Response(status_code=404)
        return Response((WEB / name).read_text(encoding="utf-8"), media_type=types[name],
                        headers={"Cache-Control": "no-cache"})

    return r
