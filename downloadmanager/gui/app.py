"""Starting the window: QApplication, language, main window, event loop."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from downloadmanager import __version__
from downloadmanager.core import settings as user_settings
from downloadmanager.core.logging_setup import configure_logging
from downloadmanager.core.resources import icons_dir
from downloadmanager.core.settings import load_settings
from downloadmanager.gui.i18n import LanguageSwitcher
from downloadmanager.gui.main_window import MainWindow
from downloadmanager.gui.update_banner import start_update_check


def create_application(argv: Sequence[str]) -> QApplication:
    """The QApplication (reused when one exists already, e.g. in tests)."""
    app = QApplication.instance() or QApplication(list(argv))
    app.setApplicationName("Downloadmanager")
    app.setOrganizationName("Downloadmanager")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(application_icon())
    # Linux desktops match the window to downloadmanager.desktop (its icon and name).
    app.setDesktopFileName("downloadmanager")
    return app


def application_icon() -> QIcon:
    """The program's icon in every size shipped in ``resources/icons``."""
    icon = QIcon()
    for png in sorted(icons_dir().glob("downloadmanager-*.png")):
        icon.addFile(str(png))
    return icon


def run_gui(argv: Sequence[str] | None = None, scan_path: Path | None = None,
            link: str | None = None) -> int:
    """Show the main window until it is closed; return the exit code.

    SCAN_PATH, when given, is read right away (like dropping it on the window).
    LINK, a ``downloadmanager://HOST/c/CODE`` link (the browser hands it over
    through the registered URL scheme), opens the Receive page with its code.
    """
    configure_logging()  # the rotating log file the Settings page shows
    app = create_application(sys.argv if argv is None else argv)
    # The window applies the language of the settings itself.
    window = MainWindow(settings=load_settings(), language_switcher=LanguageSwitcher(app))
    if window.tray is not None:
        # Closing the window while transfers run keeps the program in the tray.
        app.setQuitOnLastWindowClosed(False)
    if os.environ.get("DM_STARTUP_PROBE") == "1":
        _install_startup_probe(window, app)
    # A newer version on the portal shows a quiet banner (never installs anything).
    start_update_check(window, window.bridge, window.settings.portal_url)
    window.show()
    _show_settings_notices(window)
    if scan_path is not None:
        window.send_page.start_scan(scan_path)
    if link is not None:
        open_link(window, link)
    return int(app.exec())


def _show_settings_notices(window: MainWindow) -> None:
    """Tell the user (once, without blocking) that a damaged settings file was reset."""
    notices = user_settings.take_notices()
    if not notices:
        return
    language = window.language_switcher.language
    box = QMessageBox(QMessageBox.Icon.Warning, "Downloadmanager",
                      "\n\n".join(n.text(language) for n in notices), parent=window)
    box.setModal(False)
    box.show()


class _FirstPaintProbe(QObject):
    """Prints ``first-paint <seconds since process start>`` on the window's first paint, then quits."""

    def __init__(self, window: MainWindow, app: QApplication) -> None:
        super().__init__()
        self._window, self._app = window, app
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint and not self._done:
            self._done = True
            # After this paint has been handled: the window is on the screen.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(f"first-paint {seconds_since_process_start():.3f}", flush=True)
        # The window's own way out, so its background threads stop as on a real quit.
        self._window._quitting = True
        self._window.close()
        self._app.exit(0)


def _install_startup_probe(window: MainWindow, app: QApplication) -> None:
    probe = _FirstPaintProbe(window, app)
    window.installEventFilter(probe)
    window._startup_probe = probe  # kept alive as long as the window


def seconds_since_process_start() -> float:
    """Wall-clock seconds since this process started (Linux: from /proc; elsewhere: since import)."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - _IMPORTED_AT


_IMPORTED_AT = time.monotonic()
def open_link(window: MainWindow, link: str) -> None:
    """Show the Receive page with the code of LINK (a message when it holds none)."""
    from downloadmanager.core.access_code import AccessCodeError, code_from_payload
    from downloadmanager.gui.main_window import PAGE_RECEIVE

    window.show_page(PAGE_RECEIVE)
    try:
        window.receive_page.open_code(code_from_payload(link))
    except AccessCodeError as exc:
        window.receive_page.show_message(exc.message(window.language_switcher.language))
