"""A global bandwidth limit: one token bucket shared by every running upload.

Time is injected (``clock`` and ``sleep``) so tests assert on the computed
waits instead of wall time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from downloadmanager.core.errors import InputError


class BandwidthLimiter:
    """Token bucket of RATE bytes per second with a burst of BURST bytes.

    ``acquire(n)`` takes N tokens and sleeps if the bucket would go below
    zero. The bucket may go into debt (a piece larger than the burst simply
    waits longer), so every thread pays exactly for what it sends and the sum
    over all threads never exceeds RATE in the long run. A RATE of None or 0
    means unlimited.
    """

    def __init__(self, rate: float | None, *, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = float(rate) if rate else None
        # Default burst: a quarter second of traffic, so short bursts stay smooth.
        self.burst = float(burst) if burst is not None else (self.rate or 0) / 4
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._last = clock()

    @property
    def unlimited(self) -> bool:
        """True when no limit is set."""
        return self.rate is None

    def acquire(self, n: int) -> float:
        """Take N bytes' worth of tokens; returns the seconds slept (0 if none)."""
        if self.rate is None or n <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= n
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


def parse_rate(text: str | None) -> int | None:
    """Parse a rate such as ``10M``, ``500k``, ``2.5MB`` or ``80mbit`` into bytes per second.

    Plain numbers are bytes per second; ``k``/``M``/``G`` are powers of 1000;
    a ``bit`` suffix divides by 8. ``0``, ``none`` and ``off`` mean unlimited.
    """
    if text is None:
        return None
    value = text.strip().lower().replace(" ", "").removesuffix("/s")
    if value in ("", "0", "none", "off", "unlimited"):
        return None
    bits = value.endswith("bit")
    if bits:
        value = value[:-3]
    elif value.endswith("b"):
        value = value[:-1]
    factor = 1
    for suffix, mult in (("k", 1000), ("m", 1000**2), ("g", 1000**3)):
        if value.endswith(suffix):
            value, factor = value[:-1], mult
            break
    try:
        number = float(value)
    except ValueError:
        raise InputError("bandwidth_invalid", text=text) from None
    rate = number * factor / (8 if bits else 1)
    if rate <= 0:
        return None
    return int(rate)
