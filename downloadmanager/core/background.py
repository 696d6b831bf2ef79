"""Asking something on the side without holding up the program's exit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def run_in_background(function: Callable[..., T], *args, name: str) -> Future[T]:
    """Start ``FUNCTION(*ARGS)`` in a daemon thread; its result (or exception) comes in the Future.

    Unlike the workers of a ``ThreadPoolExecutor``, the thread is a daemon:
    Python does not wait for it when the program ends, so a request to a
    portal that does not answer keeps neither Ctrl+C nor closing the window
    waiting for the request's timeout.
    """
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = function(*args)
        except BaseException as exc:  # handed to whoever asks the future
            future.set_exception(exc)
        else:
            future.set_result(result)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
