"""The one place where worker threads meet Qt.

Anything that touches the disk or the network (scanning a CD, decoding a
thumbnail, talking to the portal) runs through :class:`Bridge`, so the window
never freezes. The work is a plain callable that receives a
:class:`TaskContext`; it may report progress and should look at
``context.cancel_event`` now and then. Results, errors and progress come back
as Qt signals of a :class:`Task`, delivered on the GUI thread.

Tests can pass :class:`ImmediateExecutor` to run the work at once on the
calling thread, which makes a whole GUI flow deterministic.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

log = logging.getLogger(__name__)


class Executor(Protocol):
    """What the bridge needs from a thread pool: start a callable some time soon."""

    def start(self, work: Callable[[], None]) -> None: ...


class ImmediateExecutor:
    """Runs work at once on the calling thread (for tests)."""

    def start(self, work: Callable[[], None]) -> None:
        work()


class TaskContext:
    """Handed to the work function: progress reporting and the cancel flag."""

    def __init__(self, task: Task) -> None:
        self._task = task
        self.cancel_event = threading.Event()

    @property
    def cancelled(self) -> bool:
        """True once someone asked the task to stop."""
        return self.cancel_event.is_set()

    def report(self, progress: Any) -> None:
        """Send PROGRESS to the GUI; reports coming faster than it can show are merged."""
        self._task._post_progress(progress)


class Task(QObject):
    """One piece of background work and its outcome, as signals on the GUI thread.

    Exactly one of ``succeeded``, ``failed`` or ``cancelled`` is emitted, then
    ``finished``. A task that was asked to cancel reports ``cancelled`` even if
    the work happened to complete.
    """

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    cancelled = Signal()
    finished = Signal()

    # Internal relays: emitted from the worker, received here on the GUI thread.
    _progress_ready = Signal()
    _done = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = TaskContext(self)
        self._lock = threading.Lock()
        self._pending_progress: list[Any] = []
        self._progress_queued = False
        self._running = True
        self._progress_ready.connect(self._deliver_progress)
        self._done.connect(self._deliver_done)

    @property
    def is_running(self) -> bool:
        """True until the outcome has been delivered."""
        return self._running

    def cancel(self) -> None:
        """Ask the work to stop; the ``cancelled`` signal follows once it has."""
        self.context.cancel_event.set()

    def _post_progress(self, progress: Any) -> None:
        with self._lock:
            # Keep only the newest report: a scan reports per file, far faster
            # than a progress bar needs, and a flood of queued events would
            # make the GUI lag behind the work.
            self._pending_progress = [progress]
            if self._progress_queued:
                return
            self._progress_queued = True
        self._progress_ready.emit()

    @Slot()
    def _deliver_progress(self) -> None:
        with self._lock:
            pending, self._pending_progress = self._pending_progress, []
            self._progress_queued = False
        if self._running:
            for item in pending:
                self.progressed.emit(item)

    @Slot(str, object)
    def _deliver_done(self, outcome: str, value: Any) -> None:
        self._running = False
        if outcome == "ok":
            self.succeeded.emit(value)
        elif outcome == "error":
            self.failed.emit(value)
        else:
            self.cancelled.emit()
        self.finished.emit()

    def _run(self, work: Callable[[TaskContext], Any]) -> None:
        try:
            value = work(self.context)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI
            if self.context.cancelled:
                self._done.emit("cancelled", None)
            else:
                if not isinstance(exc, Exception):
                    log.error("background task ended with %s", type(exc).__name__)
                self._done.emit("error", exc)
            return
        self._done.emit("cancelled" if self.context.cancelled else "ok", value)


class Bridge(QObject):
    """Runs callables on a worker pool and hands their outcome back to the GUI thread."""

    def __init__(self, executor: Executor | None = None, parent: QObject | None = None,
                 max_threads: int = 2) -> None:
        super().__init__(parent)
        if executor is None:
            pool = QThreadPool(self)
            pool.setMaxThreadCount(max_threads)
            executor = pool
        self._executor = executor
        self._tasks: set[Task] = set()

    def run(self, work: Callable[[TaskContext], Any], *,
            on_result: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            on_progress: Callable[[Any], None] | None = None,
            on_cancelled: Callable[[], None] | None = None) -> Task:
        """Start ``work(context)`` in the background and return its :class:`Task`.

        The optional callbacks are connected to the task's signals before the
        work starts, so even an immediate executor delivers to them.
        """
        # The task has no Qt parent: Python references keep it alive (the
        # bridge's set on the GUI thread, the work closure on the worker), so
        # it is never deleted under a worker that may still emit on it.
        task = Task()
        for signal, callback in ((task.succeeded, on_result), (task.failed, on_error),
                                 (task.progressed, on_progress), (task.cancelled, on_cancelled)):
            if callback is not None:
                signal.connect(callback)
        self._tasks.add(task)
        task.finished.connect(lambda: self._forget(task))
        self._executor.start(lambda: task._run(work))
        return task

    def _forget(self, task: Task) -> None:
        # Dropped from the set on the next turn of the event loop, not while
        # its own ``finished`` signal is still being emitted.
        QTimer.singleShot(0, lambda: self._tasks.discard(task))

    @property
    def active_tasks(self) -> int:
        """How many tasks have not delivered their outcome yet."""
        return sum(1 for task in self._tasks if task.is_running)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel every task and wait for the workers; True if they all stopped in time."""
        for task in list(self._tasks):
            task.cancel()
        clear = getattr(self._executor, "clear", None)
        if clear is not None:
            clear()  # work not started yet never starts
        wait = getattr(self._executor, "waitForDone", None)
        return bool(wait(timeout_ms)) if wait is not None else True
