"""The portal's ASGI application: ``create_app(settings)`` wires every router."""

from __future__ import annotations

from fastapi import FastAPI

from portal import __version__
from portal.config import Settings
from portal.db import open_database


def create_app(settings: Settings) -> FastAPI:
    """Build the portal application for SETTINGS (opens the database)."""
    app = FastAPI(
        title="Downloadmanager portal",
        version=__version__,
        description="Accounts, communities, tus uploads, access codes, DICOMweb downloads.",
    )
    app.state.settings = settings
    app.state.engine = open_database(settings)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict:
        """200 when the portal is ready to serve."""
        return {"status": "ok", "version": __version__}

    return app
