"""The upload service of one portal application: store, per-upload slots, ingest worker.

``service_for(app)`` builds it on first use from ``app.state.settings`` and
``app.state.engine``. ``start_ingest_worker(app)`` / ``stop_ingest_worker(app)``
run the background verifier; the tus router's lifespan calls them, so an app
that includes the router needs nothing else.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import select

from portal.blobstore import BlobStore, blob_store_for
from portal.schema import uploads
from portal.tus.store import TERMINATED, UploadStore
from portal.tus.worker import IngestWorker
from portal.tus.writer import SlotRegistry

_create_lock = threading.Lock()


@dataclass
class TusService:
    """Everything the tus endpoints share within one application."""

    store: UploadStore
    slots: SlotRegistry
    blobs: BlobStore
    ingest: IngestWorker

    def terminate(self, upload_id: str) -> None:
        """End any request still writing to the upload, then tombstone it."""
        slot = self.slots.acquire(upload_id)
        try:
            with slot.io_lock:
                # Bumping the generation stops a running PATCH at its next write.
                slot.generation += 1
                self.store.mark_gone(upload_id, TERMINATED)
            self.ingest.forget(upload_id)
        finally:
            self.slots.release(upload_id)

    def receipt_of(self, upload_id: str) -> dict | None:
        """The stored receipt of an upload, or None while it has none."""
        with self.store.engine.connect() as conn:
            return conn.execute(
                select(uploads.c.receipt).where(uploads.c.id == upload_id)
            ).scalar()


def service_for(app) -> TusService:
    """The application's upload service (created once, thread-safe)."""
    service = getattr(app.state, "tus_service", None)
    if service is not None:
        return service
    with _create_lock:
        service = getattr(app.state, "tus_service", None)
        if service is None:
            settings = app.state.settings
            engine = app.state.engine
            store = UploadStore(engine, settings.data_dir / "uploads",
                                settings.upload_expiry_seconds)
            blobs = blob_store_for(settings.data_dir)
            service = TusService(store=store, slots=SlotRegistry(), blobs=blobs,
                                 ingest=IngestWorker(engine, settings, blobs, store))
            app.state.tus_service = service
    return service


def start_ingest_worker(app) -> IngestWorker:
    """Start verifying completed uploads, first those left ``ingesting`` by a restart."""
    worker = service_for(app).ingest
    worker.start()
    return worker


def stop_ingest_worker(app, timeout: float = 30.0) -> None:
    """Stop the verifier after the bundle it is working on (if any)."""
    service = getattr(app.state, "tus_service", None)
    if service is not None:
        service.ingest.stop(timeout)
