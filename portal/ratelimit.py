"""Per-key sliding-window rate limits (e.g. login failures per client address).

Kept in memory of the one portal process: enough for one server, and the
counters start fresh after a restart. Behind a reverse proxy, run uvicorn
with ``--forwarded-allow-ips`` so that the client address is the real one.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class RateLimit:
    """At most LIMIT events per WINDOW seconds for each key."""

    limit: int
    window: float
    _events: dict[str, deque] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _prune(self, key: str, now: float) -> deque:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def retry_after(self, key: str) -> int:
        """Seconds until KEY may act again; 0 when it may act now."""
        now = time.monotonic()
        with self._lock:
            events = self._prune(key, now)
            if len(events) < self.limit:
                return 0
            return max(1, math.ceil(events[0] + self.window - now))

    def hit(self, key: str) -> None:
        """Count one event for KEY."""
        now = time.monotonic()
        with self._lock:
            self._prune(key, now).append(now)
            # Forget idle keys now and then so memory stays bounded.
            if len(self._events) > 10000:
                for stale in [k for k, v in self._events.items() if not v]:
                    del self._events[stale]

    def reset(self, key: str | None = None) -> None:
        """Forget the events of KEY (or of every key)."""
        with self._lock:
            if key is None:
                self._events.clear()
            else:
                self._events.pop(key, None)


@dataclass
class RateLimits:
    """The portal's limits, one instance per application (``app.state.limits``)."""

    # Failed logins per client address.
    login: RateLimit = field(default_factory=lambda: RateLimit(10, 15 * 60))
    # Registrations (each sends a mail) per client address.
    register: RateLimit = field(default_factory=lambda: RateLimit(5, 3600))
    # Code redemption attempts (right or wrong) per client address.
    redeem: RateLimit = field(default_factory=lambda: RateLimit(20, 10 * 60))

    def reset(self) -> None:
        """Forget every counter."""
        self.login.reset()
        self.register.reset()
        self.redeem.reset()
