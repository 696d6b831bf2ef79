"""Allow ``python -m downloadmanager`` (and the frozen Windows program's entry point)."""

import sys

QT_PROBE_ARGS = ["self-test", "--qt-probe"]


def _run() -> int:
    if sys.argv[1:3] == QT_PROBE_ARGS:
        # The self-test's child process (core/selftest/qt.py): loading Qt is the
        # window's business, and the command line never imports the GUI.
        from downloadmanager.gui.qt_probe import main as qt_probe_main
        return qt_probe_main()
    from downloadmanager.cli import console_main
    return console_main()


if __name__ == "__main__":
    if getattr(sys, "frozen", False):
        # The thumbnail worker pool uses the "spawn" start method: a frozen
        # (PyInstaller) Windows build must let child processes run their task
        # instead of starting the whole program again. (Only there: the
        # import costs every command 5 ms.)
        import multiprocessing

        multiprocessing.freeze_support()
    raise SystemExit(_run())
