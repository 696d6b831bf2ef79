"""Starting the window: QApplication, language, main window, event loop."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from downloadmanager import __version__
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
    # A newer version on the portal shows a quiet banner (never installs anything).
    start_update_check(window, window.bridge, window.settings.portal_url)
    window.show()
    if scan_path is not None:
        window.send_page.start_scan(scan_path)
    if link is not None:
        open_link(window, link)
    return int(app.exec())


def open_link(window: MainWindow, link: str) -> None:
    """Show the Receive page with the code of LINK (a message when it holds none)."""
    from downloadmanager.core.access_code import AccessCodeError, code_from_payload
    from downloadmanager.gui.main_window import PAGE_RECEIVE

    window.show_page(PAGE_RECEIVE)
    try:
        window.receive_page.open_code(code_from_payload(link))
    except AccessCodeError as exc:
        window.receive_page.show_message(exc.message(window.language_switcher.language))
