"""Static French pages served by a service as they are (no bundler): the dashboard (reporting)
and the counselor's desk (intake).

Only the files named in `files` are served, under `<prefix>/static/<name>`, so no request can
read anything else from the disk; the page itself is `<prefix>/`. Pages that show personal data
also send `PAGE_HEADERS`: no script, style or connection but the page's own origin, no framing,
and no referrer (the token arrives once in the address).
"""

from collections.abc import Mapping
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

TYPES = {".js": "text/javascript", ".css": "text/css"}
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


def pages_router(
    folder: Path, files: Mapping[str, str], *, prefix: str = "", headers: Mapping[str, str] | None = None
) -> APIRouter:
    """`files`: URL name → path inside `folder`."""
    r = APIRouter(include_in_schema=False)
    sent = dict(headers or {"Cache-Control": "no-cache"})

    @r.get(f"{prefix}/")
    def index() -> HTMLResponse:
        return HTMLResponse((folder / "index.html").read_text(encoding="utf-8"), headers=sent)

    @r.get(f"{prefix}/static/{{name}}")
    def static(name: str) -> Response:
        path = folder / files[name] if name in files else None
        if path is None or not path.is_file():
            return Response(status_code=404)
        return FileResponse(path, media_type=TYPES[path.suffix], headers=sent)

    return r
