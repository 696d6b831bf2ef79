"""Runs the self-test's Qt checks in a child process of this same program.

The child is ``downloadmanager self-test --qt-probe`` (see
``downloadmanager/gui/qt_probe.py``): the same executable of the same
installation, so its answer is about the Qt that the window would use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from downloadmanager.core.selftest import CheckResult, failed

PROBE_TIMEOUT = 60
QT_CHECK_NAMES = ("qt_platform_plugin", "qt_image_plugins", "qt_style_tls")


def program_command() -> list[str]:
    """The command that starts this installation's command line.

    A frozen build (PyInstaller) runs its console executable ``downloadmanager``
    next to whichever executable runs now (the window's has no console);
    otherwise the Python running now runs the package (``pythonw.exe`` of the
    Windows layout swapped for ``python.exe``, which has a stdout).
    """
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable)
        return [str(exe.with_name("downloadmanager" + exe.suffix))]
    python = Path(sys.executable)
    if python.name.lower() == "pythonw.exe":
        python = python.with_name("python.exe")
    return [str(python), "-m", "downloadmanager"]


def run_qt_probe() -> list[CheckResult]:
    """The Qt checks from the child process; one failed check per Qt check when it cannot run."""
    command = program_command() + ["self-test", "--qt-probe"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PROBE_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        reason = f"{type(exc).__name__}: {exc}"
    else:
        lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
        if done.returncode == 0 and lines:
            try:
                return [CheckResult(r["name"], bool(r["ok"]), r["detail_de"], r["detail_en"])
                        for r in json.loads(lines[-1])]
            except (ValueError, KeyError, TypeError) as exc:
                reason = f"unreadable answer: {exc}"
        else:
            tail = (done.stderr.strip().splitlines() or ["(no output)"])[-3:]
            reason = f"exit code {done.returncode}: " + " | ".join(tail)
    return [failed(name, f"Qt lädt nicht ({reason})", f"Qt does not load ({reason})")
            for name in QT_CHECK_NAMES]


run_qt_probe.check_name = "qt_platform_plugin"  # type: ignore[attr-defined]
