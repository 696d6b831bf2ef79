"""Where the program's read-only resources (translations, icons, fonts) live.

In a checkout (and an editable install) that is ``resources/`` next to the
``downloadmanager`` package. A PyInstaller build unpacks them below
``sys._MEIPASS``; the Windows embedded-Python layout puts ``resources/`` next
to the package too. ``DOWNLOADMANAGER_RESOURCES`` overrides the folder (used
by the self-test's tests to simulate a broken installation).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

RESOURCES_ENV = "DOWNLOADMANAGER_RESOURCES"


def resources_dir() -> Path:
    """The folder holding ``translations/``, ``icons/`` and ``fonts/``."""
    override = os.environ.get(RESOURCES_ENV, "").strip()
    if override:
        return Path(override)
    bundled = getattr(sys, "_MEIPASS", None)  # PyInstaller unpacks data files here
    base = Path(bundled) if bundled else Path(__file__).resolve().parents[2]
    return base / "resources"


def translations_dir() -> Path:
    """Folder with the window's ``.ts`` sources and built ``.qm`` files."""
    return resources_dir() / "translations"


def fonts_dir() -> Path:
    """Folder with the TrueType fonts shipped for the PDF documents."""
    return resources_dir() / "fonts"


def icons_dir() -> Path:
    """Folder with the application icon in several sizes (PNG, ICO, SVG)."""
    return resources_dir() / "icons"
