"""The Qt part of the self-test, run in a child process (``self-test --qt-probe``).

It checks, inside this installation, that Qt's native platform plugin loads
(the window cannot open without it), that the image plugins the window uses
are there, and that the style and TLS plugins load. A child process keeps a
crash of a broken Qt installation (a missing DLL) from taking the caller with
it, and keeps Qt out of the core. Prints one JSON document on stdout.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QPluginLoader

# The platform plugin the window uses on each system.
NATIVE_PLATFORM = {"win32": "qwindows", "darwin": "qcocoa"}
# Image formats the window shows (icons, thumbnails, QR photos); png and bmp are built into QtGui.
REQUIRED_IMAGE_FORMATS = ("jpeg", "gif", "ico", "svg")
IMAGE_PLUGIN = {"jpeg": "qjpeg", "gif": "qgif", "ico": "qico", "svg": "qsvg"}


def _library_file(folder: Path, stem: str) -> Path:
    """The plugin file STEM in FOLDER as this system names it."""
    if sys.platform == "win32":
        return folder / f"{stem}.dll"
    if sys.platform == "darwin":
        return folder / f"lib{stem}.dylib"
    return folder / f"lib{stem}.so"


def plugins_dir() -> Path:
    """Where this Qt looks for its plugins."""
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))


def _result(name: str, ok: bool, de: str, en: str) -> dict:
    return {"name": name, "ok": ok, "detail_de": de, "detail_en": en}


def check_platform_plugin() -> dict:
    """The native platform plugin exists and loads (its libraries are all there)."""
    override = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").strip()
    folder = Path(override) if override else plugins_dir() / "platforms"
    path = _library_file(folder, NATIVE_PLATFORM.get(sys.platform, "qxcb"))
    if not path.is_file():
        return _result("qt_platform_plugin", False, f"Qt-Plattform-Plugin fehlt: {path}",
                       f"Qt platform plugin missing: {path}")
    loader = QPluginLoader(str(path))
    if not loader.load():
        return _result("qt_platform_plugin", False,
                       f"Qt-Plattform-Plugin {path.name} lädt nicht: {loader.errorString()}",
                       f"Qt platform plugin {path.name} does not load: {loader.errorString()}")
    return _result("qt_platform_plugin", True, f"{path} geladen", f"{path} loaded")


def check_image_plugins() -> dict:
    """Qt can read every image format the window needs."""
    from PySide6.QtGui import QImageReader

    formats = {bytes(f).decode() for f in QImageReader.supportedImageFormats()}
    folder = plugins_dir() / "imageformats"
    missing = [f"{fmt} ({_library_file(folder, IMAGE_PLUGIN[fmt])})"
               for fmt in REQUIRED_IMAGE_FORMATS if fmt not in formats]
    if missing:
        return _result("qt_image_plugins", False, f"Qt-Bildformate fehlen: {', '.join(missing)}",
                       f"Qt image plugins missing: {', '.join(missing)}")
    text = ", ".join(REQUIRED_IMAGE_FORMATS)
    return _result("qt_image_plugins", True, f"{text} aus {folder}", f"{text} from {folder}")


def check_style_and_tls() -> dict:
    """The native look (Windows: the modern Windows style plugin) and a Qt TLS backend."""
    from PySide6.QtNetwork import QSslSocket
    from PySide6.QtWidgets import QStyleFactory

    problems = []
    styles = [s.lower() for s in QStyleFactory.keys()]
    wanted = ("windows11", "windowsvista") if sys.platform == "win32" else ("fusion",)
    if not any(s in styles for s in wanted):
        problems.append(f"style {'/'.join(wanted)} missing in {plugins_dir() / 'styles'} (have: {styles})")
    backends = QSslSocket.availableBackends()
    if not backends:
        problems.append(f"no TLS backend in {plugins_dir() / 'tls'}")
    if problems:
        text = "; ".join(problems)
        return _result("qt_style_tls", False, f"Qt-Plugins fehlen: {text}", f"Qt plugins missing: {text}")
    return _result("qt_style_tls", True, f"Stile {', '.join(styles)}; TLS {', '.join(backends)}",
                   f"styles {', '.join(styles)}; TLS {', '.join(backends)}")


def main() -> int:
    """Run the Qt checks and print them as JSON; exit 0 even when a check fails."""
    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    results = [check_platform_plugin(), check_image_plugins(), check_style_and_tls()]
    del app
    print(json.dumps(results))
    return 0
