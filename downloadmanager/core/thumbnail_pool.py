"""Thumbnail decoding in a small worker process, away from the GUI's GIL.

Decoding a DICOM image (pydicom + numpy) is short pure-Python work that holds
the GIL; done on threads of the GUI process, back to back, it starved the
GUI thread for 100+ ms (``bench/gui_lag.py``). In a separate process it
costs the GUI process nothing but pickling a few kilobytes per thumbnail.

The pool is created lazily on the first request (starting a process and
importing pydicom takes a moment), uses the ``spawn`` start method (the only
one on Windows, and safe next to Qt's threads on Linux), and is shut down at
interpreter exit or when the application quits (:func:`shutdown_shared_pool`).
A worker also ends by itself when the program is gone without a shutdown
(crash, kill): it watches its parent.
The program's entry point must call ``multiprocessing.freeze_support()``
when frozen with PyInstaller on Windows.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from downloadmanager.core.scan.model import InstanceSource
from downloadmanager.core.thumbnails import DEFAULT_SIZE, thumbnails_for_sources

log = logging.getLogger(__name__)


def _end_with_parent() -> None:
    """Worker initializer: leave as soon as the program that started the worker is gone.

    A program that crashes, is killed or ends with ``os._exit`` runs no
    shutdown, and a pool worker waits on its task queue forever (it holds
    that queue's write end itself, so it never sees end-of-file): on Windows
    that is a stray python process per crash. The parent's sentinel (a pipe
    end on POSIX, the process handle on Windows) becomes ready when it ends.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def default_workers() -> int:
    """One worker on machines with up to 2 cores (the GUI needs one), otherwise 2."""
    return 1 if (os.cpu_count() or 1) <= 2 else 2


class ThumbnailPool:
    """Decodes batches of thumbnails in 1-2 worker processes.

    Thread-safe: the GUI's bridge threads call :meth:`decode` and wait for
    the answer (waiting releases the GIL).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, min(2, workers or default_workers()))
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        """True while worker processes exist (after the first request, until shutdown)."""
        return self._executor is not None

    def submit(self, sources: Sequence[InstanceSource], size: int = DEFAULT_SIZE) -> Future:
        """Start decoding SOURCES; the future's result is a list like :meth:`decode` returns."""
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_end_with_parent)
            return self._executor.submit(thumbnails_for_sources, list(sources), size)

    def decode(self, sources: Sequence[InstanceSource],
               size: int = DEFAULT_SIZE) -> list[np.ndarray | None]:
        """Thumbnails of SOURCES (``None`` where there is nothing to show), in order.

        A worker process that died (killed, out of memory) is replaced once;
        if the replacement fails too, the error goes to the caller.
        """
        try:
            return self.submit(sources, size).result()
        except BrokenProcessPool:
            log.warning("thumbnail worker process ended unexpectedly; starting a new one")
            self._discard_broken()
            return self.submit(sources, size).result()

    def _discard_broken(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the worker processes (queued batches are dropped); a later request starts new ones."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)


_shared: ThumbnailPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> ThumbnailPool:
    """The process-wide pool (one per program: worker processes are not cheap)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ThumbnailPool()
            atexit.register(_shared.shutdown)
        return _shared


def shutdown_shared_pool() -> None:
    """Stop the shared pool's worker processes, if any were started."""
    with _shared_lock:
        pool = _shared
    if pool is not None:
        pool.shutdown()
