"""The package boundaries are checked, not hoped for.

* ``downloadmanager.core`` never imports Qt (or the GUI / CLI layers),
* the portal never imports the client, and the shared ``dicomkit`` imports neither,
* the command line does not pull in Qt or the GUI (only ``gui`` and ``demo`` open a window),
* the core is layered (no package cycles such as portal_client <-> transfers) and
  uploads and downloads are independent.
"""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def _lint_copy(tmp_path, change) -> subprocess.CompletedProcess:
    """Run the linter on a copy of the tree after CHANGE(copy_root) edited it."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "downloadmanager", copy / "downloadmanager",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "portal", copy / "portal", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "dicomkit", copy / "dicomkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    change(copy)
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    return subprocess.run(
        [lint, "--config", str(copy / "pyproject.toml"), "--no-cache"],
        cwd=copy, capture_output=True, text=True,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )


def _append(copy: Path, module: str, line: str) -> None:
    path = copy.joinpath(*module.split(".")).with_suffix(".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


def test_linter_catches_a_qt_import_in_core(tmp_path):
    # Prove the contract bites: a copy of the tree with a Qt import in core must fail.
    result = _lint_copy(tmp_path, lambda copy: (
        copy / "downloadmanager" / "core" / "sneaky.py").write_text("import PySide6.QtCore\n"))
    assert result.returncode != 0
    assert "downloadmanager.core.sneaky" in result.stdout


@pytest.mark.parametrize("module, line, contract", [
    # The old cycle: the portal client importing the transfer engine again.
    ("downloadmanager.core.portal_client",
     "from downloadmanager.core.transfers import errors as _cycle  # noqa",
     "The client core is layered"),
    ("downloadmanager.core.transfers.model",
     "import downloadmanager.core.download.partial  # noqa",
     "Uploads and downloads do not know each other"),
    ("downloadmanager.cli.transfers",
     "from downloadmanager.gui import transfers_model  # noqa",
     "The command line does not import the GUI"),
    # The shared DICOM code must stay usable by both sides.
    ("dicomkit.dicomdir",
     "from portal.blobstore import BlobStore  # noqa",
     "The shared DICOM code imports neither the client nor the portal"),
])
def test_linter_catches_a_broken_boundary(tmp_path, module, line, contract):
    result = _lint_copy(tmp_path, lambda copy: _append(copy, module, line))
    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout
