"""The portal's ASGI application: ``create_app(settings)`` wires every router."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from fastapi import FastAPI

from portal import (
    __version__, accounts, archive, client_downloads, codes_api, communities, dicomweb, inbox,
    retention, studies_api, tus,
)
from portal.config import Settings
from portal.db import open_database
from portal.errors import install_error_handlers
from portal.ratelimit import RateLimits
from portal.web import install as install_web_pages

log = logging.getLogger("portal")

# Every router of the portal, in the order their routes are matched.
ROUTERS = (
    accounts.router,
    communities.router,
    codes_api.router,
    tus.router,  # tus uploads + receipts; its lifespan runs the ingest worker
    inbox.router,
    studies_api.router,
    archive.router,
    dicomweb.router,
    client_downloads.router,  # the desktop program's installers (--downloads DIR)
)


def create_app(settings: Settings, *, purge_on_start: bool = True) -> FastAPI:
    """Build the portal application for SETTINGS (opens the database).

    While the app runs, a background task purges expired data every
    ``settings.purge_interval_seconds`` (and once at start-up when
    PURGE_ON_START).
    """
    engine = open_database(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if purge_on_start:
            await asyncio.to_thread(retention.purge, engine, settings)
        task = asyncio.create_task(retention.run_periodically(engine, settings))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="Downloadmanager portal",
        version=__version__,
        description="Accounts, communities, tus uploads, access codes, DICOMweb downloads. "
                    "See docs/portal.md.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.limits = RateLimits()
    # app.state.client_downloads: the installers offered (see portal.client_downloads).
    client_downloads.install(app, Path(settings.downloads_dir) if settings.downloads_dir else None)
    install_error_handlers(app)

    @app.get("/healthz", tags=["meta"], response_description="The portal is ready.")
    def healthz() -> dict:
        """200 when the portal is ready to serve."""
        return {"status": "ok", "version": __version__}

    for router in ROUTERS:
        app.include_router(router)
    install_web_pages(app)  # web pages last: the API's routes match first
    return app
