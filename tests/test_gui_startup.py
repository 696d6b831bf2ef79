"""The window starts fast: importing it loads none of the heavy modules it needs only later.

pydicom and numpy (reading, thumbnails, DICOMDIR, sending to a PACS), fpdf and
segno (PDF documents, QR codes) and zxing-cpp (reading QR images) are imported
where they are used, so the window paints before they load (``bench/startup.py``
measures the first paint).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LATER = ("pydicom", "numpy", "PIL", "pylibjpeg", "fpdf", "segno", "zxingcpp", "pynetdicom")


def _top_level_modules_after_import(module: str) -> set[str]:
    code = f"import sys, {module}\nprint('MODULES', ' '.join(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("MODULES "))
    return {name.split(".")[0] for name in line.split()[1:]}


def test_importing_the_window_loads_no_heavy_module():
    for module in ("downloadmanager.gui.main_window", "downloadmanager.gui.app"):
        loaded = _top_level_modules_after_import(module)
        assert "PySide6" in loaded  # the check sees what the import loads
        assert not loaded & set(LATER), (module, sorted(loaded & set(LATER)))

