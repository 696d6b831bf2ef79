"""tus 1.0.0 upload server of the portal (``/uploads/``) and its upload receipts.

Include :data:`router` in the application; its lifespan starts the ingest
worker. Without the lifespan (e.g. a custom server), call
:func:`start_ingest_worker` and :func:`stop_ingest_worker` yourself.
"""

from portal.tus.endpoints import router
from portal.tus.service import service_for, start_ingest_worker, stop_ingest_worker

__all__ = ["router", "service_for", "start_ingest_worker", "stop_ingest_worker"]
