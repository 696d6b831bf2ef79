"""The window of ``downloadmanager demo``: logged in to the demo portal, with a welcome dialog."""

from __future__ import annotations

import sys

from PySide6.QtCore import QDate, QLocale, QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from downloadmanager.core.settings import load_settings
from downloadmanager.gui.app import create_application
from downloadmanager.gui.formatting import date_format
from downloadmanager.gui.i18n import LanguageSwitcher
from downloadmanager.gui.main_window import MainWindow
from downloadmanager.gui.portal_session import community_label


class DemoWelcomeDialog(QDialog):
    """What to try in the demo: whom to send to, which code to receive with."""

    def __init__(self, environment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Welcome to the Downloadmanager demo"))
        birth = environment.birth_date
        locale = QLocale()
        birth_text = locale.toString(QDate(birth.year, birth.month, birth.day),
                                     date_format(locale))
        recipient = community_label(environment.community_name, environment.community_code)
        self.text = QLabel(
            self.tr("<p>This window is connected to a demo portal running on this computer "
                    "(%1), logged in as the demo practice %2. Nothing here touches your real "
                    "data, transfers or passwords.</p>"
                    "<p><b>Send:</b> a demo CD has been read. Tick a study, search for "
                    "“Saarbrücken” and choose <b>%3</b>, then press Send. The Transfers page "
                    "shows the upload and its receipt.</p>"
                    "<p><b>Receive:</b> on the Receive page enter the access code <b>%4</b> "
                    "and the birth date <b>%5</b>.</p>")
            .replace("%1", environment.url).replace("%2", environment.email)
            .replace("%3", recipient).replace("%4", environment.access_code)
            .replace("%5", birth_text))
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(520)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


def open_demo_window(environment) -> tuple[MainWindow, DemoWelcomeDialog]:
    """The main window logged in to the demo portal, reading the demo CD, and the welcome."""
    app = create_application(sys.argv)
    window = MainWindow(settings=load_settings(), language_switcher=LanguageSwitcher(app))
    window.session.remember_communities([{"name": environment.community_name,
                                          "code": environment.community_code}])
    window.session.use_client(environment.client)
    window.send_page.start_scan(environment.medium)
    welcome = DemoWelcomeDialog(environment, window)
    return window, welcome


def run_demo_window(environment) -> int:
    """Show the demo window and its welcome dialog until the window is closed."""
    app = create_application(sys.argv)
    window, welcome = open_demo_window(environment)
    if window.tray is not None:
        app.setQuitOnLastWindowClosed(False)
    window.show()
    QTimer.singleShot(300, welcome.show)
    return int(app.exec())
