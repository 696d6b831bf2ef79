"""The package boundaries are checked, not hoped for.

* ``downloadmanager.core`` never imports Qt (or the GUI / CLI layers),
* the portal never imports the client,
* the command line does not pull in Qt.
"""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import downloadmanager.core

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run(
        [lint, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


def _core_modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages(downloadmanager.core.__path__, "downloadmanager.core.")
    ]


def test_importing_every_core_module_loads_no_qt():
    # A dynamic check as well: import-linter only sees static imports.
    modules = _core_modules()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_linter_catches_a_qt_import_in_core(tmp_path):
    # Prove the contract bites: a copy of the tree with a Qt import in core must fail.
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "downloadmanager", copy / "downloadmanager",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "portal", copy / "portal", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "downloadmanager" / "core" / "sneaky.py").write_text("import PySide6.QtCore\n")
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run(
        [lint, "--config", str(copy / "pyproject.toml"), "--no-cache"],
        cwd=copy, capture_output=True, text=True,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "downloadmanager.core.sneaky" in result.stdout
