"""gui.bridge: background work, results on the GUI thread, cancellation."""

from __future__ import annotations

import threading

import pytest

from downloadmanager.gui.bridge import Bridge, ImmediateExecutor


@pytest.fixture
def bridge(qapp):
    b = Bridge()
    yield b
    assert b.shutdown(5000)


def test_result_arrives_on_the_gui_thread(qtbot, bridge):
    worker_threads, callback_threads, results = [], [], []

    def work(ctx):
        worker_threads.append(threading.current_thread())
        return 6 * 7

    def on_result(value):
        callback_threads.append(threading.current_thread())
        results.append(value)

    task = bridge.run(work, on_result=on_result)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert results == [42]
    assert worker_threads[0] is not threading.main_thread()
    assert callback_threads == [threading.main_thread()]
    qtbot.waitUntil(lambda: bridge.active_tasks == 0)


def test_error_is_delivered_not_raised(qtbot, bridge):
    errors = []

    def work(ctx):
        raise ValueError("bad medium")

    task = bridge.run(work, on_error=errors.append)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert len(errors) == 1 and isinstance(errors[0], ValueError)
    assert str(errors[0]) == "bad medium"


def test_cancel_stops_the_work_and_reports_cancelled(qtbot, bridge):
    started = threading.Event()
    outcome = []

    def work(ctx):
        started.set()
        # Wait for the cancel flag as a real scan does between files.
        assert ctx.cancel_event.wait(10)
        raise RuntimeError("stopped because cancelled")

    task = bridge.run(work, on_result=lambda v: outcome.append("ok"),
                      on_error=lambda e: outcome.append("error"),
                      on_cancelled=lambda: outcome.append("cancelled"))
    assert started.wait(5)
    assert task.is_running
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.cancel()
    assert outcome == ["cancelled"]
    assert not task.is_running


def test_progress_is_merged_to_the_newest_report(qtbot, bridge):
    seen = []
    release = threading.Event()

    def work(ctx):
        for i in range(1, 1001):
            ctx.report(i)
        release.set()
        return "done"

    task = bridge.run(work, on_progress=seen.append)
    assert release.wait(5)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert seen, "at least one progress report reaches the GUI"
    assert seen[-1] == 1000
    assert seen == sorted(seen)
    assert len(seen) < 1000  # reports were merged, the GUI was not flooded


def test_immediate_executor_runs_synchronously(qapp):
    bridge = Bridge(executor=ImmediateExecutor())
    progress, results = [], []
    task = bridge.run(lambda ctx: (ctx.report("half"), "whole")[1],
                      on_progress=progress.append, on_result=results.append)
    assert progress == ["half"]
    assert results == ["whole"]
    assert not task.is_running
