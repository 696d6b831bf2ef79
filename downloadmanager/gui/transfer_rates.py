"""Speed and remaining time of transfers, from the progress seen in successive polls."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 8.0


class RateTracker:
    """Keeps the last few (time, bytes done) samples per job; speed over that window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 window: float = WINDOW_SECONDS) -> None:
        self._clock = clock
        self._window = window
        self._samples: dict[int, deque[tuple[float, int]]] = {}
        self._phase: dict[int, str] = {}

    def add(self, job_id: int, phase: str, bytes_done: int) -> None:
        """Record JOB_ID's progress; a new PHASE (staging, uploading) starts afresh."""
        now = self._clock()
        samples = self._samples.get(job_id)
        if samples is None or self._phase.get(job_id) != phase or \
                (samples and bytes_done < samples[-1][1]):
            samples = self._samples[job_id] = deque()
            self._phase[job_id] = phase
        samples.append((now, bytes_done))
        while len(samples) > 2 and now - samples[0][0] > self._window:
            samples.popleft()

    def forget(self, job_id: int) -> None:
        """Drop the samples of a job that is no longer moving."""
        self._samples.pop(job_id, None)
        self._phase.pop(job_id, None)

    def speed(self, job_id: int) -> float | None:
        """Bytes per second over the window, or None without two samples yet."""
        samples = self._samples.get(job_id)
        if not samples or len(samples) < 2:
            return None
        (t0, b0), (t1, b1) = samples[0], samples[-1]
        if t1 <= t0:
            return None
        return max(0.0, (b1 - b0) / (t1 - t0))

    def remaining(self, job_id: int, bytes_done: int, bytes_total: int) -> float | None:
        """Seconds until BYTES_TOTAL at the current speed, or None when unknown."""
        speed = self.speed(job_id)
        if not speed or bytes_total <= 0:
            return None
        return max(0.0, (bytes_total - bytes_done) / speed)
