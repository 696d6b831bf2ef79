"""Work through the transfer queue: concurrency limit, time window, shared bandwidth.

``QueueRunner.run()`` is what the program does at start-up (and what
``downloadmanager transfers run`` does): it picks up every runnable job —
including those a crash interrupted — and returns when nothing is left to
do. Jobs are leased in the database, so two runner processes never upload
the same job twice at the same time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from downloadmanager.core import paths
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.transfers import lease, staging
from downloadmanager.core.transfers.errors import JobControlInterrupt
from downloadmanager.core.transfers.job_runner import JobContext, JobRunner
from downloadmanager.core.transfers.model import RUNNABLE, JobState
from downloadmanager.core.transfers.settings import TransferSettings
from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.core.transfers.throttle import BandwidthLimiter

log = logging.getLogger(__name__)

PortalFactory = Callable[[str, str], PortalClient]


class QueueRunner:
    """Runs the queued jobs of STORE with SETTINGS.

    PORTAL_FOR(server, account) returns the logged-in client for a job's
    server and account (one per pair, shared by that pair's jobs).
    """

    def __init__(self, store: QueueStore, portal_for: PortalFactory, *,
                 settings: TransferSettings | None = None, staging_root: Path | None = None,
                 free_space: staging.FreeSpace = staging.disk_free,
                 now: Callable[[], datetime] = datetime.now,
                 sleep: Callable[[float], None] = time.sleep,
                 poll_interval: float = 0.5,
                 on_change: Callable[[int, JobState], None] | None = None,
                 on_staged: Callable[[int], None] | None = None) -> None:
        self.store = store
        self.settings = settings or TransferSettings()
        self.staging_root = staging_root or paths.staging_dir()
        self.free_space = free_space
        self.now = now
        self.sleep = sleep
        self.poll_interval = poll_interval
        self.on_change = on_change
        # Called with a job id once its files are staged: the medium may be removed.
        self.on_staged = on_staged
        self.owner = lease.new_owner_id()
        self.window = self.settings.window()
        self.limiter = BandwidthLimiter(self.settings.bandwidth_limit or None)
        self._portal_for = portal_for
        self._portals: dict[tuple[str, str], PortalClient] = {}
        self._active: dict[int, threading.Thread] = {}
        # Jobs that could not reach the portal in this run: left queued for the next run.
        self._deferred: set[int] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self.stopped = threading.Event()
        self._stopping = threading.Event()

    def window_open(self) -> bool:
        """True if uploads may run now."""
        return self.window is None or self.window.contains(self.now())

    def _portal(self, server: str, account: str) -> PortalClient:
        key = (server, account)
        with self._lock:
            if key not in self._portals:
                self._portals[key] = self._portal_for(server, account)
            return self._portals[key]

    def context(self, server: str, account: str) -> JobContext:
        """The context a job of SERVER/ACCOUNT runs with."""
        return JobContext(store=self.store, portal=self._portal(server, account),
                          owner=self.owner, staging_root=self.staging_root,
                          chunk_size=self.settings.chunk_size,
                          max_chunk_size=self.settings.max_chunk_size, limiter=self.limiter,
                          free_space=self.free_space,
                          window_open_or_raise=self._window_open_or_raise,
                          on_staged=self.on_staged)

    def _window_open_or_raise(self) -> bool:
        # Asked by every job between two chunks: after shutdown() the job
        # stops where it is (state kept), and the next run continues it.
        if self._stopping.is_set():
            raise JobControlInterrupt("stopped")
        return self.window_open()

    def _run_job(self, job_id: int, server: str, account: str) -> None:
        try:
            job_runner = JobRunner(job_id, self.context(server, account))
            state = job_runner.run()
            if job_runner.deferred:
                with self._lock:
                    self._deferred.add(job_id)
            if self.on_change is not None:
                self.on_change(job_id, state)
        except Exception:  # never let one job take the runner down
            log.exception("job %s crashed the worker", job_id)
        finally:
            self.store.release(job_id, self.owner)
            with self._lock:
                self._active.pop(job_id, None)
            self._wake.set()

    def run(self, only: Iterable[int] | None = None) -> None:
        """Run jobs until none is runnable (ONLY: restrict to these job ids).

        Jobs leased by another live runner are waited for, not run twice.
        Outside the time window the runner sleeps until it opens.
        """
        wanted = set(only) if only is not None else None
        while not self.stopped.is_set():
            with self._lock:
                deferred = set(self._deferred)
            runnable = [j for j in self.store.list_jobs(RUNNABLE)
                        if (wanted is None or j.id in wanted) and j.id not in deferred]
            with self._lock:
                active = set(self._active)
            waiting = [j for j in runnable if j.id not in active]
            if not runnable and not active:
                return
            if waiting and not self.window_open():
                if not active:
                    pause = self.window.seconds_until_open(self.now())
                    log.info("outside the upload window; waiting %.0f s", pause)
                    self.sleep(min(max(pause, 1.0), 60.0))
                    continue
            else:
                for job in waiting:
                    with self._lock:
                        if len(self._active) >= self.settings.max_concurrent_jobs:
                            break
                    if not self.store.claim(job.id, self.owner):
                        continue  # another runner works on it: wait for it
                    thread = threading.Thread(target=self._run_job,
                                              args=(job.id, job.server, job.account),
                                              name=f"upload-job-{job.id}", daemon=True)
                    with self._lock:
                        self._active[job.id] = thread
                    thread.start()
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    def stop(self) -> None:
        """Ask the loop to return after the current jobs."""
        self.stopped.set()
        self._wake.set()

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Stop the loop and interrupt running jobs after their current chunk.

        Interrupted jobs keep their state (e.g. uploading) and lease-free, so
        the next run continues them from where the portal is. Returns True if
        every job thread ended within TIMEOUT seconds.
        """
        self._stopping.set()
        self.stop()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._active.values())
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads)
