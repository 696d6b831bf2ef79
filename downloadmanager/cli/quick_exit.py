"""End a command-line run without tearing the interpreter down.

When a command is done, Python still deallocates every module and object
it holds before the process ends: 20-25 ms after an upload of 1,000
instances (430 modules, 30,000 objects), spent after the receipt is on the
screen. The operating system frees all of it at once anyway.

:func:`run` registers its exit handler *before* the command runs. atexit
calls handlers in reverse order, so it runs after every handler registered
later (thread pools, temporary directories, the thumbnail pool, ...) and
after Python has joined the non-daemon threads. It then flushes logging and
the standard streams and ends the process with ``os._exit``. Only a command
that returned an exit code is ended so; an exception, ``--help`` or the
window (``gui``, ``demo``: Qt cleans up in its destructors) take the usual
way out.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from collections.abc import Callable, Sequence

#: Commands that end the usual way (Qt objects are destroyed at the end).
WINDOW_COMMANDS = frozenset({"gui", "demo"})


class _QuickExit:
    def __init__(self) -> None:
        self.code: int | None = None

    def __call__(self) -> None:
        if self.code is None:
            return
        logging.shutdown()  # flushes and closes the log file
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass  # a closed pipe or stream: nothing more can be written anyway
        os._exit(self.code)


def run(main: Callable[[Sequence[str] | None], int], command: str | None) -> int:
    """Run ``main(None)`` and return its exit code; the process then ends without teardown.

    COMMAND is the subcommand named on the command line (None if none).
    """
    quick = _QuickExit()
    atexit.register(quick)
    code = main(None)
    if command not in WINDOW_COMMANDS:
        quick.code = int(code)
    return code
