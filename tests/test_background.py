"""run_in_background: a result or an exception through a Future, from a daemon thread."""

from __future__ import annotations

import threading

import pytest

from downloadmanager.core.background import run_in_background


def test_the_result_and_the_exception_arrive_in_the_future():
    assert run_in_background(lambda a, b: a + b, 2, 3, name="add").result(10) == 5
    with pytest.raises(ZeroDivisionError):
        run_in_background(lambda: 1 / 0, name="divide").result(10)


def test_the_thread_is_a_daemon_so_the_program_does_not_wait_for_it():
    seen = []
    release = threading.Event()

    def look() -> None:
        seen.append(threading.current_thread())
        release.wait(10)

    future = run_in_background(look, name="look-around")
    try:
        while not seen:
            threading.Event().wait(0.01)
        assert seen[0].daemon and seen[0].name == "look-around"
    finally:
        release.set()
    assert future.result(10) is None
