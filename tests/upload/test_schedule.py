"""Pure logic with injected clocks: bandwidth limiter, time window, backoff, rates."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from downloadmanager.core.transfers.throttle import BandwidthLimiter, parse_rate
from downloadmanager.core.transfers.tus_client import TusClient
from downloadmanager.core.transfers.window import TimeWindow


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_limiter_computes_sleeps_for_the_rate():
    clock = FakeClock()
    limiter = BandwidthLimiter(1_000_000, burst=0, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        limiter.acquire(250_000)
    assert clock.sleeps == pytest.approx([0.25] * 10)
    assert clock.now - 1000.0 == pytest.approx(2.5)  # 2.5 MB at 1 MB/s


def test_limiter_burst_is_free_then_paced():
    clock = FakeClock()
    limiter = BandwidthLimiter(1_000_000, burst=500_000, clock=clock, sleep=clock.sleep)
    assert limiter.acquire(500_000) == 0.0
    assert limiter.acquire(100_000) == pytest.approx(0.1)
    clock.now += 10  # idle: the bucket refills, but only up to the burst
    assert limiter.acquire(500_000) == 0.0
    assert limiter.acquire(500_000) == pytest.approx(0.5)


def test_limiter_is_shared_by_jobs():
    clock = FakeClock()
    limiter = BandwidthLimiter(2_000_000, burst=0, clock=clock, sleep=clock.sleep)
    # Two jobs alternate pieces: together they get the rate, not twice the rate.
    for _ in range(8):
        limiter.acquire(250_000)  # job A
        limiter.acquire(250_000)  # job B
    assert clock.now - 1000.0 == pytest.approx(4_000_000 / 2_000_000)


def test_unlimited_never_sleeps():
    clock = FakeClock()
    limiter = BandwidthLimiter(None, clock=clock, sleep=clock.sleep)
    assert limiter.acquire(10**9) == 0.0 and clock.sleeps == []


@pytest.mark.parametrize("text,rate", [("10M", 10_000_000), ("500k", 500_000),
                                       ("80mbit", 10_000_000), ("2.5MB", 2_500_000),
                                       ("0", None), ("none", None), ("1234", 1234)])
def test_parse_rate(text, rate):
    assert parse_rate(text) == rate


def test_parse_rate_rejects_garbage():
    with pytest.raises(ValueError, match="Not a bandwidth"):
        parse_rate("fast")


def _at(hour, minute=0, day=27):
    return datetime(2026, 11, day, hour, minute)


def test_window_crossing_midnight():
    window = TimeWindow.parse("19:00-07:00")
    assert window.contains(_at(19)) and window.contains(_at(23, 59))
    assert window.contains(_at(0)) and window.contains(_at(6, 59))
    assert not window.contains(_at(7)) and not window.contains(_at(12)) \
        and not window.contains(_at(18, 59))
    assert window.seconds_until_open(_at(12)) == 7 * 3600
    assert window.seconds_until_open(_at(20)) == 0
    assert window.seconds_until_close(_at(23)) == 8 * 3600
    assert window.seconds_until_close(_at(6, 30)) == 30 * 60


def test_window_within_one_day_and_whole_day():
    office = TimeWindow.parse("08:30-17:00")
    assert office.contains(_at(8, 30)) and not office.contains(_at(17))
    assert office.seconds_until_open(_at(18)) == (14 * 60 + 30) * 60  # next morning
    assert TimeWindow.parse("00:00-00:00").contains(_at(3))
    assert str(office) == "08:30-17:00"
    with pytest.raises(ValueError, match="expected e.g. 19:00-07:00"):
        TimeWindow.parse("abends")
    with pytest.raises(ValueError):
        TimeWindow.parse("25:00-07:00")


def test_backoff_grows_with_jitter_and_honours_retry_after():
    client = TusClient("http://unused/", rng=random.Random(1), backoff_base=0.5, backoff_max=30)
    delays = [client.backoff_delay(n) for n in range(1, 10)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(30, 0.5 * 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert client.backoff_delay(3, retry_after=7.0) == 7.0
    assert client.backoff_delay(3, retry_after=10_000) == 600.0


def test_chunks_grow_towards_two_seconds_per_request_within_limits():
    from downloadmanager.core.transfers.tus_client import next_chunk_size

    mib = 1024 * 1024
    # 8 MiB in 0.1 s (80 MiB/s): grow, but at most 4x per step.
    assert next_chunk_size(8 * mib, 8 * mib, 0.1, minimum=8 * mib, maximum=256 * mib) == 32 * mib
    # 32 MiB in 0.8 s: 2 s would be 80 MiB.
    assert next_chunk_size(32 * mib, 32 * mib, 0.8, minimum=8 * mib, maximum=256 * mib) == \
        80 * mib
    # ... and 32 MiB in 0.4 s would be 160 MiB, but growth is capped at 4x.
    assert next_chunk_size(32 * mib, 32 * mib, 0.4, minimum=8 * mib, maximum=256 * mib) == \
        128 * mib
    assert next_chunk_size(128 * mib, 128 * mib, 0.1, minimum=8 * mib, maximum=256 * mib) == \
        256 * mib
    # A slow link (1 MiB/s): never below the configured chunk size.
    assert next_chunk_size(8 * mib, 8 * mib, 8.0, minimum=8 * mib, maximum=256 * mib) == 8 * mib
    # Fixed chunks when maximum == minimum.
    assert next_chunk_size(8 * mib, 8 * mib, 0.01, minimum=8 * mib, maximum=8 * mib) == 8 * mib
