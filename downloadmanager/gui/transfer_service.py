"""The upload queue inside the window: runs it, watches it, controls it.

At start-up the service runs the core queue runner in the background —
exactly what ``downloadmanager transfers run`` does — so transfers that a
crash, a reboot or a closed window interrupted continue. When the queue is
empty it waits for new work (or looks again every few seconds, for jobs
queued by the command line). The window learns about the jobs by polling
the queue database every half second on a worker (a cheap query), which
also covers jobs that another process works on. Everything goes through a
bridge of its own, so long uploads never take threads from scanning.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from downloadmanager.core import paths
from downloadmanager.core.transfers import controls
from downloadmanager.core.transfers.enqueue import queue_studies
from downloadmanager.core.transfers.model import Job, JobState
from downloadmanager.core.transfers.runner import QueueRunner
from downloadmanager.core.transfers.settings import load_transfer_settings
from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.gui.bridge import Bridge, Task
from downloadmanager.gui.i18n import error_text
from downloadmanager.gui.portal_session import PortalSession
from downloadmanager.gui.tray_policy import job_events

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 500
#: How long the idle runner waits before looking for work queued elsewhere.
IDLE_RECHECK_SECONDS = 3.0


class TransferService(QObject):
    """Owns the background queue runner and the view of the queue."""

    #: The current list of jobs (after every poll that saw a change).
    jobs_changed = Signal(list)
    #: A job reached done or failed while the window ran (a JobEvent).
    job_event = Signal(object)
    #: A control (pause, resume, ...) was refused or failed; a message for the user.
    control_failed = Signal(str)

    def __init__(self, session: PortalSession, *, queue_path: Path | None = None,
                 poll_interval_ms: int = POLL_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.queue_path = Path(queue_path) if queue_path else paths.queue_db_path()
        # One thread for the runner loop, one for polls and controls.
        self._bridge = Bridge(parent=self, max_threads=2)
        self._store: QueueStore | None = None
        self._store_lock = threading.Lock()
        self._wake = threading.Event()
        self._runner: QueueRunner | None = None
        self._runner_lock = threading.Lock()
        self._runner_task: Task | None = None
        self._poll_task: Task | None = None
        self._known: dict[int, JobState] | None = None
        self._signature: tuple | None = None
        self.jobs: list[Job] = []
        self._timer = QTimer(self)
        self._timer.setInterval(poll_interval_ms)
        self._timer.timeout.connect(self.poll)

    # -- life cycle -----------------------------------------------------------------
    def start(self) -> None:
        """Start the runner and the polling."""
        if self._runner_task is None:
            self._runner_task = self._bridge.run(self._run_queue)
        self._timer.start()
        self.poll()

    @property
    def is_running(self) -> bool:
        """True while the runner loop is alive."""
        return self._runner_task is not None and self._runner_task.is_running

    def shutdown(self, timeout_s: float = 10.0) -> bool:
        """Stop polling and the runner; running jobs stop after their current chunk.

        Their state stays (e.g. uploading), so the next start continues them.
        """
        self._timer.stop()
        if self._runner_task is not None:
            self._runner_task.cancel()
        with self._runner_lock:
            runner = self._runner
        stopped = runner.shutdown(timeout_s) if runner is not None else True
        self._wake.set()
        stopped = self._bridge.shutdown(int(timeout_s * 1000)) and stopped
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None
        return stopped

    def wake(self) -> None:
        """Tell the idle runner that there is new work (queued, resumed, retried)."""
        self._wake.set()

    def _run_queue(self, ctx) -> None:
        """The runner loop for the window's lifetime: it must not end while the window runs.

        An error (a locked or unreadable queue database, a bug) is logged and
        the loop tries again after the idle pause; before, one such error
        ended the loop for good and queued jobs waited until a restart.
        """
        store: QueueStore | None = None
        try:
            while not ctx.cancelled:
                try:
                    if store is None:
                        store = QueueStore(self.queue_path)
                    runner = QueueRunner(store, self._session.client_for,
                                         settings=load_transfer_settings())
                    with self._runner_lock:
                        if ctx.cancelled:
                            break
                        self._runner = runner
                    runner.run()
                except Exception as exc:  # noqa: BLE001 - logged; the loop goes on
                    # The type only: messages may carry file names from a patient's CD.
                    log.error("the transfer queue runner failed (%s); trying again",
                              type(exc).__name__)
                    if store is not None:
                        store.close()
                        store = None
                finally:
                    with self._runner_lock:
                        self._runner = None
                self._wake.wait(IDLE_RECHECK_SECONDS)
                self._wake.clear()
        finally:
            if store is not None:
                store.close()

    # -- the queue for the other pages (called on worker threads) ----------------------
    def queue_studies(self, studies, **options) -> list[int]:
        """Queue one job per study (``enqueue.queue_studies`` OPTIONS); returns the job ids.

        Blocking: call it on a worker thread. The pages never open the queue
        themselves; they go through here.
        """
        return queue_studies(self._reader(), studies, **options)

    def job(self, job_id: int) -> Job:
        """One job with its items (blocking: call it on a worker thread)."""
        return self._reader().get_job(job_id)

    # -- watching ---------------------------------------------------------------------
    def _reader(self) -> QueueStore:
        with self._store_lock:
            if self._store is None:
                self._store = QueueStore(self.queue_path)
            return self._store

    def poll(self) -> None:
        """Read the queue in the background (skipped while the last read is unfinished)."""
        if self._poll_task is not None and self._poll_task.is_running:
            return
        task = self._bridge.run(lambda _ctx: self._reader().list_jobs(),
                                on_result=self._polled,
                                on_error=lambda error: log.warning("queue poll failed: %s: %s",
                                                                   type(error).__name__, error))
        self._poll_task = task if task.is_running else None

    def _polled(self, jobs: list[Job]) -> None:
        self._poll_task = None
        events, self._known = job_events(self._known, jobs)
        signature = tuple((j.id, j.state, j.bytes_done, j.bytes_total, j.error,
                           j.receipt is not None) for j in jobs)
        if signature != self._signature:
            self._signature = signature
            self.jobs = jobs
            self.jobs_changed.emit(jobs)
        for event in events:
            self.job_event.emit(event)

    def running_jobs(self) -> list[Job]:
        """Jobs that would be interrupted by quitting (as of the last poll)."""
        return [j for j in self.jobs if j.state.is_runnable]

    # -- controls ----------------------------------------------------------------------
    def pause(self, job_id: int) -> Task:
        """Pause a job (the runner stops it after the current chunk)."""
        return self._control(lambda store: controls.pause(store, job_id))

    def resume(self, job_id: int) -> Task:
        """Put a paused job back in the queue."""
        return self._control(lambda store: controls.resume(store, job_id), wake=True)

    def retry(self, job_id: int) -> Task:
        """Queue a failed or cancelled job again."""
        return self._control(lambda store: controls.retry(store, job_id), wake=True)

    def cancel(self, job_id: int) -> Task:
        """Cancel a job and delete what the portal received (if it can be reached)."""
        session = self._session

        def cancel_job(store: QueueStore) -> None:
            job = store.get_job(job_id, with_items=False)
            controls.cancel(store, job_id, session.client_for(job.server, job.account))

        return self._control(cancel_job)

    def _control(self, action, *, wake: bool = False) -> Task:
        def work(_ctx) -> None:
            action(self._reader())

        def done(_result) -> None:
            if wake:
                self.wake()
            self.poll_soon()

        return self._bridge.run(work, on_result=done,
                                on_error=lambda error: (self.control_failed.emit(error_text(error)),
                                                        self.poll_soon()))

    def poll_soon(self) -> None:
        """Poll right after the current event (e.g. after a control)."""
        QTimer.singleShot(0, self.poll)
