"""Entry point of the window executable ``downloadmanager-gui`` (no console on Windows).

The same program as ``downloadmanager gui [PATH | downloadmanager://LINK]``;
desktop shortcuts, the Start menu and the registered URL scheme start it.
"""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    # The thumbnail workers use "spawn": a frozen child must run its task.
    multiprocessing.freeze_support()
    # A windowed Windows program has no stdout/stderr: give print and logging a sink.
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the program
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    from downloadmanager.cli import main

    raise SystemExit(main(["gui", *sys.argv[1:]]))
