"""Send a study while it is still being staged: the upload follows the copy file by file.

The bundle's layout is fixed before the first file is read (member sizes from
the scan, the manifest *last* with a placeholder of its final length, every
mtime = the job's creation time), so its length can be announced at once and
a resumed upload rebuilds exactly the same bytes. A staging thread copies and
hashes the files in bundle order; each finished file makes the bundle's
prefix up to its end sendable (:class:`StagedPrefix`), and the tus client
sends what exists. When the last file is staged the real manifest replaces
the placeholder, the job's items and manifest are stored (from then on the
medium is not needed: "the CD can be removed"), and the rest goes out.

See docs/protocol.md ("Bundles sent while staging").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from downloadmanager.core.transfers import staging
from downloadmanager.core.transfers.bundle import VirtualBundle, fingerprint
from downloadmanager.core.transfers.errors import JobControlInterrupt, SourceChangedError
from downloadmanager.core.transfers.model import Job, JobItem, JobState
from downloadmanager.core.transfers.store import QueueStore

log = logging.getLogger(__name__)

CONTROL_EVERY = 0.5  # seconds between two looks at the job's state while staging


class StagedPrefix:
    """How many bytes from the bundle's start exist yet; shared by stager and sender."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._ready = 0
        self._error: BaseException | None = None
        self._changed = threading.Condition()

    def advance(self, end: int) -> None:
        """Bytes up to END exist now."""
        with self._changed:
            self._ready = max(self._ready, end)
            self._changed.notify_all()

    def fail(self, error: BaseException) -> None:
        """Staging stopped with ERROR: the sender raises it at its next wait."""
        with self._changed:
            self._error = error
            self._changed.notify_all()

    def wait(self, wanted: int, timeout: float) -> int:
        """Wait up to TIMEOUT seconds until WANTED bytes exist; returns how many do."""
        with self._changed:
            self._changed.wait_for(lambda: self._ready >= wanted or self._error is not None,
                                   timeout)
            if self._error is not None:
                raise self._error
            return self._ready


class PipelinedPrepare:
    """Stages (or hashes) JOB in a thread while the caller uploads its bundle.

    ``on_staged`` runs once every file is staged and stored (the medium may go).
    Staging starts with :meth:`start`; the job is only marked staged (its
    manifest stored) after :meth:`proceed`, so the caller may still decide,
    while the first files are read, to :meth:`stop` and prepare it otherwise.
    """

    def __init__(self, job: Job, store: QueueStore, staging_root: Path, *,
                 free_space: staging.FreeSpace, control: Callable[[], None],
                 on_staged: Callable[[], None] | None = None) -> None:
        self.job = job
        self.store = store
        self.staging_root = staging_root
        self.free_space = free_space
        self.control = control
        self.on_staged = on_staged
        self.bundle: VirtualBundle = staging.pipelined_bundle(job, staging_root)
        self.prefix = StagedPrefix(len(self.bundle))
        # Where each member's bytes end in the bundle, by index in job.items.
        self._ends = self.bundle.member_ends
        self._stop = threading.Event()
        self._go = threading.Event()
        self._controlled = 0.0
        self._thread = threading.Thread(target=self._run, name=f"staging-job-{job.id}",
                                        daemon=True)
        self.error: BaseException | None = None

        # Keys the upload URL until the real manifest exists (fixed by the layout).
        self.layout_fingerprint = "layout-" + fingerprint(self.bundle.manifest)

    def start(self) -> None:
        """Start staging in the background."""
        self._thread.start()

    def proceed(self) -> None:
        """The pipelined upload goes ahead: staging may store the job as staged."""
        self._go.set()

    def stop(self) -> None:
        """Ask staging to stop after the current file and wait for it."""
        self._stop.set()
        self._thread.join()

    def finish(self) -> None:
        """Wait until staging ended; raise its error, if any."""
        self._thread.join()
        if self.error is not None:
            raise self.error

    def _should_stop(self) -> None:
        if self._stop.is_set():
            raise JobControlInterrupt("stopped")
        # The job's state is asked (and its lease renewed, a synced database
        # write) at most every CONTROL_EVERY seconds, not for every file:
        # per file it cost seconds for a study of many small files. The sender
        # asks between its chunks as well.
        now = time.monotonic()
        if now - self._controlled >= CONTROL_EVERY:
            self._controlled = now
            self.control()

    def _item_ready(self, index: int, item: JobItem) -> None:
        if item.size != self.job.items[index].size:
            # The layout announced to the portal used the scanned size.
            raise SourceChangedError("source_changed", path=str(item.source_path))
        self.prefix.advance(self._ends[index])

    def _run(self) -> None:
        job = self.job
        try:
            # No staging progress: the job's progress is the portal's offset.
            if job.use_staging:
                # The layout was announced with the scanned sizes: no Part-10
                # wrapping here (it would grow bare datasets); see stage_items.
                items = staging.stage_items(job, self.staging_root, free_space=self.free_space,
                                            should_stop=self._should_stop,
                                            on_item=self._item_ready, wrap_part10=False)
            else:
                items = staging.hash_in_place(job, should_stop=self._should_stop,
                                              on_item=self._item_ready)
            while not self._go.wait(0.05):
                self._should_stop()
            manifest = staging.final_manifest(job, items)
            self.bundle.set_manifest(manifest)
            self.store.set_prepared(job.id, items, manifest, fingerprint(manifest),
                                    len(self.bundle))
            self.store.set_state(job.id, JobState.UPLOADING, only_from=(JobState.STAGING,),
                                 keep_error=True)
            self.prefix.advance(len(self.bundle))
            if self.on_staged is not None:
                self.on_staged()
        except BaseException as exc:  # handed to the sender, raised there
            self.error = exc
            self.prefix.fail(exc)
