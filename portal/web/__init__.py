"""The portal's web pages: code entry, studies, viewer, accounts, inbox, downloads.

Server-rendered HTML (Jinja2 templates in ``templates/``) that works without
JavaScript; ``static/`` holds the style sheet and the scripts (no inline
code, no outside requests). ``install(app)`` mounts everything.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from portal.web import account_pages, code_pages
from portal.web.render import page
from portal.web.security import SecurityHeaders
from portal.web.texts import Texts, language

STATIC = Path(__file__).with_name("static")

router = APIRouter(include_in_schema=False)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@router.get("/download/")
def download_page(request: Request) -> Response:
    """The program's installers offered by this portal (``serve --downloads DIR``)."""
    downloads = list(getattr(request.app.state, "client_downloads", None) or [])
    t = Texts(language(request))
    names = {"windows": t.platform_windows, "linux": t.platform_linux}
    return page(request, "download.html", downloads=downloads, size=_size,
                platform_name=lambda p: names.get(str(p).lower(), str(p)))


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and the security headers on APP."""
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.include_router(code_pages.router)
    app.include_router(account_pages.router)
    app.include_router(router)
