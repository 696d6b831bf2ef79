"""The main window: a navigation list on the left, one page per task on the right."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QStyle,
    QWidget,
)

from downloadmanager import __version__
from downloadmanager.core.settings import Settings, load_settings
from downloadmanager.gui.bridge import Bridge
from downloadmanager.gui.i18n import LanguageSwitcher, resolve_language
from downloadmanager.gui.receive_page import ReceivePage
from downloadmanager.gui.send_page import SendPage
from downloadmanager.gui.settings_page import SettingsPage
from downloadmanager.gui.transfers_page import TransfersPage
from downloadmanager.gui.volumes import Volume, list_removable_volumes

PAGE_SEND, PAGE_RECEIVE, PAGE_TRANSFERS, PAGE_SETTINGS = range(4)


class MainWindow(QMainWindow):
    """Downloadmanager's window.

    Everything the window depends on can be handed in (tests pass an
    immediate bridge or a fake volume lister); by default it uses the real
    parts and the settings file of the current user.
    """

    def __init__(self, *, bridge: Bridge | None = None, settings: Settings | None = None,
                 language_switcher: LanguageSwitcher | None = None,
                 volume_lister: Callable[[], list[Volume]] = list_removable_volumes,
                 send_page_options: dict | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else load_settings()
        self.bridge = bridge if bridge is not None else Bridge(parent=self)
        self.language_switcher = language_switcher or LanguageSwitcher(QApplication.instance())

        self.send_page = SendPage(self.bridge, volume_lister=volume_lister,
                                  **(send_page_options or {}))
        self.receive_page = ReceivePage()
        self.transfers_page = TransfersPage()
        self.settings_page = SettingsPage(self.settings)
        self.settings_page.language_changed.connect(self.apply_language)

        self.navigation = QListWidget()
        self.navigation.setObjectName("Navigation")
        self.navigation.setIconSize(QSize(24, 24))
        self.navigation.setSpacing(2)
        self.navigation.setFixedWidth(190)
        self.pages = QStackedWidget()
        style = self.style()
        icons = (QStyle.StandardPixmap.SP_ArrowUp, QStyle.StandardPixmap.SP_ArrowDown,
                 QStyle.StandardPixmap.SP_BrowserReload, QStyle.StandardPixmap.SP_FileDialogDetailedView)
        for page, icon in zip((self.send_page, self.receive_page, self.transfers_page,
                               self.settings_page), icons):
            self.pages.addWidget(page)
            item = QListWidgetItem(style.standardIcon(icon), "")
            item.setSizeHint(QSize(0, 40))
            self.navigation.addItem(item)
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.navigation.setCurrentRow(PAGE_SEND)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.resize(1100, 720)

        self.send_page.scan_started.connect(self._scan_started)
        self.send_page.scan_finished.connect(lambda _result: self._status(self.tr("Reading finished.")))
        self.send_page.scan_failed.connect(self._status)
        self.send_page.scan_cancelled.connect(lambda: self._status(self.tr("Reading was cancelled.")))
        self.retranslateUi()
        self.apply_language(self.settings.language)

    def show_page(self, index: int) -> None:
        """Switch to page INDEX (PAGE_SEND, PAGE_RECEIVE, ...)."""
        self.navigation.setCurrentRow(index)

    def apply_language(self, setting: str) -> bool:
        """Show the window in the language of SETTING ("system", "de", "en") from now on."""
        return self.language_switcher.apply(resolve_language(setting))

    def retranslateUi(self) -> None:
        self.setWindowTitle(self.tr("Downloadmanager %1").replace("%1", __version__))
        names = (self.tr("Send"), self.tr("Receive"), self.tr("Transfers"), self.tr("Settings"))
        for row, name in enumerate(names):
            self.navigation.item(row).setText(name)
        self.statusBar().showMessage(self.tr("Ready."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def _scan_started(self, path: str) -> None:
        self._status(self.tr("Reading %1 …").replace("%1", path))

    def _status(self, text: str) -> None:
        self.statusBar().showMessage(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Stop background work before widgets go away, so no result arrives
        # for a page that no longer exists.
        self.send_page.volume_watcher.stop()
        self.bridge.shutdown(5000)
        super().closeEvent(event)


def navigation_texts(window: MainWindow) -> list[str]:
    """The navigation entries as shown (used by tests and screenshots)."""
    return [window.navigation.item(i).text() for i in range(window.navigation.count())]

