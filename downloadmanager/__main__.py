"""Allow ``python -m downloadmanager`` (and the frozen Windows program's entry point)."""

import multiprocessing

from downloadmanager.cli import main

if __name__ == "__main__":
    # The thumbnail worker pool uses the "spawn" start method: a frozen
    # (PyInstaller) Windows build must let child processes run their task
    # instead of starting the whole program again.
    multiprocessing.freeze_support()
    raise SystemExit(main())
