"""The background thread that verifies completed uploads (one at a time).

Requests only enqueue an upload id; the final PATCH is answered before any
verification starts. At start the worker picks up every upload still in
state ``ingesting`` (the portal stopped while verifying), and between jobs it
tombstones uploads that passed their expiry.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.blobstore import BlobStore
from portal.config import Settings
from portal.schema import uploads
from portal.tus.follower import BundleFollower
from portal.tus.store import INGESTING, TOMBSTONES, UploadStore

log = logging.getLogger(__name__)

# Temporary blob files older than this are leftovers of an interrupted write.
_STALE_TEMP_SECONDS = 3600


class IngestWorker:
    """A daemon thread working through a queue of completed upload ids."""

    def __init__(self, engine: Engine, settings: Settings, blobs: BlobStore,
                 store: UploadStore) -> None:
        self.engine = engine
        self.settings = settings
        self.blobs = blobs
        self.store = store
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self.sweep_interval = min(600.0, float(settings.purge_interval_seconds))
        # Verify as it arrives: one follower per upload still receiving bytes,
        # worked on by one thread (requests only hand over the new offset).
        self._followers: dict[str, BundleFollower] = {}
        self._follow_pool = ThreadPoolExecutor(1, thread_name_prefix="ingest-follow")
        # Counts verdicts committed (receipts stored); each one calls the
        # listeners, e.g. receipt requests that wait (``?wait=``) for theirs.
        self.verified = 0
        self._listeners: set[Callable[[], None]] = set()

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (idempotent) and queue the uploads left ``ingesting``."""
        with self._lock:
            if self.running:
                return
            self._thread = threading.Thread(target=self._run, name="ingest-worker",
                                            daemon=True)
            self._thread.start()
        for upload_id in self.pending_ids():
            self.enqueue(upload_id)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop after its current bundle and wait up to TIMEOUT seconds."""
        thread = self._thread
        if thread is None:
            return
        self._queue.put(None)
        thread.join(timeout)
        self._thread = None

    def follow(self, upload_id: str) -> None:
        """More bytes of UPLOAD_ID are in its file: prepare the members now complete."""
        with self._lock:
            follower = self._followers.get(upload_id)
            if follower is None:
                follower = self._followers[upload_id] = BundleFollower(
                    self.store.file_path(upload_id))
            if follower.scheduled:
                return  # the queued advance will see these bytes too
            follower.scheduled = True
        self._follow_pool.submit(follower.advance)

    def rewind(self, upload_id: str, size: int) -> None:
        """UPLOAD_ID's file was cut back to SIZE bytes: its follower forgets what lay past it."""
        with self._lock:
            follower = self._followers.get(upload_id)
        if follower is not None:
            follower.rewind(size)

    def forget(self, upload_id: str) -> None:
        """The upload is gone (terminated): drop what its follower prepared."""
        with self._lock:
            follower = self._followers.pop(upload_id, None)
        if follower is not None:
            self._follow_pool.submit(follower.discard)

    def _follower_for(self, upload_id: str) -> BundleFollower | None:
        """The upload's follower, caught up with the whole file (None if there is none)."""
        with self._lock:
            follower = self._followers.pop(upload_id, None)
        if follower is None:
            return None
        try:
            # Runs after every advance already queued for it: then it is up to date.
            self._follow_pool.submit(follower.advance).result()
        except Exception:
            log.exception("following upload %s failed", upload_id)
        return follower

    @contextmanager
    def listening(self, callback: Callable[[], None]) -> Iterator[None]:
        """Call CALLBACK (in the worker's thread) after every verdict while in the block.

        A verdict is reached when its receipt is committed, before the
        upload's leftovers are cleaned up: a waiting request answers then.
        """
        with self._lock:
            self._listeners.add(callback)
        try:
            yield
        finally:
            with self._lock:
                self._listeners.discard(callback)

    def _verdict_reached(self) -> None:
        self.verified += 1
        with self._lock:
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback()
            except Exception:  # a listener's failure must not stop the worker
                log.exception("a verdict listener failed")

    def enqueue(self, upload_id: str) -> None:
        """Verify UPLOAD_ID soon (harmless if it is not ``ingesting`` any more)."""
        self._idle.clear()
        self._queue.put(upload_id)

    def pending_ids(self) -> list[str]:
        """Ids of uploads waiting for verification, oldest first."""
        with self.engine.connect() as conn:
            return list(conn.execute(
                select(uploads.c.id).where(uploads.c.state == INGESTING)
                .order_by(uploads.c.completed_at)
            ).scalars())

    def wait_idle(self, timeout: float) -> bool:
        """Block until the queue is empty and no bundle is being verified (for tests/CLI)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        from portal.ingest import ingest_upload  # late: portal.ingest imports this package

        self.blobs.clean_temporary(_STALE_TEMP_SECONDS)
        next_sweep = time.monotonic()
        while True:
            if time.monotonic() >= next_sweep:
                self._sweep()
                next_sweep = time.monotonic() + self.sweep_interval
            try:
                upload_id = self._queue.get(timeout=max(1.0, next_sweep - time.monotonic()))
            except queue.Empty:
                continue
            if upload_id is None:
                break
            caught_up = time.monotonic()
            follower = self._follower_for(upload_id)
            if follower is not None:
                log.info("upload %s: reading while arriving caught up %.2f s after the last "
                         "byte", upload_id, time.monotonic() - caught_up)
            reached = self.verified
            try:
                ingest_upload(self.store, self.blobs, self.settings, upload_id,
                              follower=follower, on_verdict=self._verdict_reached)
            except Exception:
                log.exception("verifying upload %s failed; it stays queued for the next start",
                              upload_id)
            finally:
                if self.verified == reached:
                    self._verdict_reached()  # no verdict: waiters look at the state again
                if follower is not None:
                    follower.discard()
                if self._queue.empty():
                    self._idle.set()

    def _sweep(self) -> None:
        try:
            expired = self.store.expire_stale()
            if expired:
                log.info("%d unfinished uploads expired", expired)
            self._forget_abandoned()
        except Exception:
            log.exception("expiring uploads failed")

    def _forget_abandoned(self) -> None:
        """Drop the followers (and their pending blobs) of uploads that will not complete."""
        with self._lock:
            followed = list(self._followers)
        for upload_id in followed:
            record = self.store.get(upload_id)
            if record is None or record.state in TOMBSTONES:
                self.forget(upload_id)
