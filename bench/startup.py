"""Benchmark start-up: the command line and the window, against the bare interpreter, same run.

Measures, each as the median of ``--repeat`` runs after one warm-up run (so the
page cache is warm for every row alike):

* reference: ``python -c pass`` (the venv's interpreter);
* ``downloadmanager --help`` and ``downloadmanager --version``: target within
  0.15 s of the reference;
* ``downloadmanager scan EMPTY_FOLDER``: target within 0.3 s of the reference;
* the window's first paint: ``downloadmanager gui`` with ``DM_STARTUP_PROBE=1``,
  which prints ``first-paint <seconds since process start>`` on the main
  window's first paint and quits (``downloadmanager/gui/app.py``); target
  1.5 s. It runs under ``xvfb-run -a`` (a real X server) when available, else
  with ``QT_QPA_PLATFORM=offscreen`` (``--offscreen`` forces that).

Every row runs with a fresh, empty ``DOWNLOADMANAGER_HOME`` so no user settings,
queue or log of the machine take part.

``--bundle DIR`` measures the installed executables ``DIR/downloadmanager`` and
``DIR/downloadmanager-gui`` (e.g. a PyInstaller bundle) instead of the venv; the
reference stays the venv's bare interpreter, so the table shows what a bundle
adds (its boot loader unpacks and starts its own interpreter).

Run: ``.venv/bin/python bench/startup.py [--repeat 7] [--bundle DIR] [--offscreen]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"


def _time_once(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed, result.stdout


def _median(argv: list[str], env: dict[str, str], repeat: int) -> float:
    _time_once(argv, env)  # warm-up
    return statistics.median(_time_once(argv, env)[0] for _ in range(repeat))


def _first_paint(argv: list[str], env: dict[str, str], repeat: int, offscreen: bool) -> tuple[float, float]:
    """Median (probe's seconds since process start, wall seconds until the process ended)."""
    env = {**env, "DM_STARTUP_PROBE": "1"}
    if offscreen or not shutil.which("xvfb-run"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    else:
        env.pop("QT_QPA_PLATFORM", None)
        argv = ["xvfb-run", "-a", *argv]
    probes, walls = [], []
    for i in range(repeat + 1):
        wall, out = _time_once(argv, env)
        line = next((x for x in out.splitlines() if x.startswith("first-paint ")), None)
        if line is None:
            raise SystemExit(f"no first-paint line from {' '.join(argv)}:\n{out}")
        if i:  # the first run warms up
            probes.append(float(line.split()[1]))
            walls.append(wall)
    return statistics.median(probes), statistics.median(walls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="measured runs per row (median counts)")
    parser.add_argument("--bundle", type=Path, default=None,
                        help="folder with installed executables downloadmanager and downloadmanager-gui")
    parser.add_argument("--offscreen", action="store_true", help="paint offscreen instead of under Xvfb")
    args = parser.parse_args()

    python = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
    if args.bundle:
        cli = [str(args.bundle / "downloadmanager")]
        gui = [str(args.bundle / "downloadmanager-gui")]
        for exe in (cli[0], gui[0]):
            if not os.access(exe, os.X_OK):
                raise SystemExit(f"{exe} is not an executable")
    else:
        cli = [str(VENV_BIN / "downloadmanager")]
        gui = [*cli, "gui"]

    with tempfile.TemporaryDirectory(prefix="dm-startup-") as tmp:
        empty = Path(tmp) / "empty"
        empty.mkdir()
        env = {**os.environ, "DOWNLOADMANAGER_HOME": str(Path(tmp) / "home")}
        bare = _median([python, "-c", "pass"], env, args.repeat)
        rows = [
            ("downloadmanager --help", _median([*cli, "--help"], env, args.repeat), 0.15),
            ("downloadmanager --version", _median([*cli, "--version"], env, args.repeat), 0.15),
            ("downloadmanager scan EMPTY", _median([*cli, "scan", str(empty)], env, args.repeat), 0.30),
        ]
        probe, wall = _first_paint(gui, env, args.repeat, args.offscreen)

    where = f"bundle {args.bundle}" if args.bundle else "venv"
    print(f"start-up ({where}), median of {args.repeat} runs, load {os.getloadavg()[0]:.2f}")
    print(f"{'what':32} {'seconds':>8} {'- bare':>8} {'target':>8}  ok")
    print(f"{'python -c pass (reference)':32} {bare:8.3f} {'':>8} {'':>8}")
    failed = 0
    for name, seconds, target in rows:
        ok = seconds - bare <= target
        failed += not ok
        print(f"{name:32} {seconds:8.3f} {seconds - bare:8.3f} {'+' + format(target, '.2f'):>8}  "
              f"{'yes' if ok else 'NO'}")
    ok = probe <= 1.5
    failed += not ok
    print(f"{'window first paint (probe)':32} {probe:8.3f} {'':>8} {'1.50':>8}  {'yes' if ok else 'NO'}")
    print(f"{'window: start to exit (wall)':32} {wall:8.3f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
