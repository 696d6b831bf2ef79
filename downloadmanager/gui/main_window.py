"""The main window: a navigation list on the left, one page per task on the right."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QStyle,
    QWidget,
)

from downloadmanager import __version__
from downloadmanager.core.settings import Settings, load_settings, save_settings
from downloadmanager.core.transfers.model import JobState
from downloadmanager.gui.bridge import Bridge
from downloadmanager.gui.i18n import LanguageSwitcher, resolve_language
from downloadmanager.gui.portal_session import PortalSession
from downloadmanager.gui.receive_page import ReceivePage
from downloadmanager.gui.send_page import SendPage
from downloadmanager.gui.send_panel import SendPanel
from downloadmanager.gui.settings_page import SettingsPage
from downloadmanager.gui.transfer_service import TransferService
from downloadmanager.gui.transfers_page import TransfersPage
from downloadmanager.gui.tray import TrayIcon, tray_available
from downloadmanager.gui.tray_policy import CloseAction, JobEvent, close_action
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
                 send_page_options: dict | None = None,
                 session: PortalSession | None = None, queue_path: Path | None = None,
                 use_tray: bool | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else load_settings()
        self.bridge = bridge if bridge is not None else Bridge(parent=self)
        self.language_switcher = language_switcher or LanguageSwitcher(QApplication.instance())
        self.session = session if session is not None else PortalSession(self.bridge, parent=self)
        self.transfer_service = TransferService(self.session, queue_path=queue_path, parent=self)
        self._quitting = False
        #: Asked before quitting while transfers run (tests replace it).
        self.confirm_quit: Callable[[], bool] = self._ask_quit
        #: Shown once when the window first goes to the tray (tests replace it).
        self.explain_tray: Callable[[], None] = self._explain_tray
        self._build_pages(volume_lister, send_page_options)
        self._build_navigation()
        self._build_central_layout()
        self._connect_scan_status()
        self._build_tray(use_tray)
        self.retranslateUi()
        self.apply_language(self.settings.language)
        self.session.restore()
        self.transfer_service.start()

    # -- building the window ----------------------------------------------------------

    def _build_pages(self, volume_lister: Callable[[], list[Volume]],
                     send_page_options: dict | None) -> None:
        """Send, Receive, Transfers and Settings, wired to each other."""
        self.send_page = SendPage(self.bridge, volume_lister=volume_lister,
                                  **(send_page_options or {}))
        self.send_panel = SendPanel(self.bridge, self.session, self.settings,
                                    queue=self.transfer_service.queue_studies)
        self.send_page.add_send_panel(self.send_panel)
        self.send_panel.sent.connect(self._sent)
        self.send_panel.settings_requested.connect(lambda: self.show_page(PAGE_SETTINGS))
        self.receive_page = ReceivePage(self.bridge, self.settings)
        self.transfers_page = TransfersPage(
            self.transfer_service, self.session, self.bridge,
            save_receipt_pdf=self._save_receipt_pdf,
            language=lambda: resolve_language(self.settings.language))
        self.transfer_service.job_event.connect(self._job_event)
        self.settings_page = SettingsPage(self.settings, bridge=self.bridge, session=self.session)
        self.settings_page.pacs.nodes_changed.connect(self.receive_page.download_panel.reload_nodes)
        self.settings_page.language_changed.connect(self.apply_language)

    def _build_navigation(self) -> None:
        """The list on the left and the stack of pages it switches."""
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

    def _build_central_layout(self) -> None:
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.resize(1100, 720)

    def _connect_scan_status(self) -> None:
        """The status bar follows the Send page's reading of a medium."""
        self.send_page.scan_started.connect(self._scan_started)
        self.send_page.scan_finished.connect(lambda _result: self._status(self.tr("Reading finished.")))
        self.send_page.scan_failed.connect(self._status)
        self.send_page.scan_cancelled.connect(lambda: self._status(self.tr("Reading was cancelled.")))

    def _build_tray(self, use_tray: bool | None) -> None:
        self.tray: TrayIcon | None = None
        if tray_available() if use_tray is None else use_tray:
            self.tray = TrayIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowUp), self)
            self.tray.open_requested.connect(self.bring_to_front)
            self.tray.quit_requested.connect(self.quit_application)

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
        if getattr(self, "tray", None) is not None:
            self.tray.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def _scan_started(self, path: str) -> None:
        self._status(self.tr("Reading %1 …").replace("%1", path))

    def _status(self, text: str) -> None:
        self.statusBar().showMessage(text)

    # -- transfers -------------------------------------------------------------------
    def _sent(self, job_ids: list[int]) -> None:
        self.transfer_service.wake()
        self.transfer_service.poll_soon()
        self.show_page(PAGE_TRANSFERS)
        self._status(self.send_panel.queued_text(len(job_ids)))

    def _job_event(self, event: JobEvent) -> None:
        model = self.transfers_page.model
        what = self.tr("“%1” to %2").replace("%1", model.study_label(event.job)).replace(
            "%2", self.session.label_for(event.job.community))
        failed = event.state is JobState.FAILED
        title = self.tr("Transfer failed") if failed else self.tr("Transfer complete")
        self._status(f"{title}: {what}")
        if self.tray is not None:
            self.tray.notify(title, what, error=failed)

    def _save_receipt_pdf(self, job_id: int, path: Path, language: str) -> Path:
        # Runs on the bridge: reads the queue and the study headers, may ask the portal.
        from downloadmanager.core.documents.receipt import save_receipt_for_jobs

        job = self.transfer_service.job(job_id)
        return save_receipt_for_jobs([job], path, language, credentials=self.session.credentials)

    # -- closing ----------------------------------------------------------------------
    def bring_to_front(self) -> None:
        """Show the window again (from the tray)."""
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def quit_application(self) -> None:
        """Quit (tray menu); asks first while transfers run."""
        if self.transfer_service.running_jobs() and not self.confirm_quit():
            return
        self._quitting = True
        self.close()

    def _ask_quit(self) -> bool:
        answer = QMessageBox.question(
            self, self.tr("Transfers are running"),
            self.tr("Transfers are still running. Quit anyway? They continue the next time "
                    "the program starts."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _explain_tray(self) -> None:
        QMessageBox.information(
            self, self.tr("Transfers continue"),
            self.tr("The window is closed, but the transfers continue in the background. "
                    "Open the window again with the Downloadmanager icon in the system tray; "
                    "quit the program from its menu."))

    def closeEvent(self, event: QCloseEvent) -> None:
        action = CloseAction.QUIT if self._quitting else close_action(
            transfers_running=bool(self.transfer_service.running_jobs()),
            tray_available=self.tray is not None, hint_shown=self.settings.tray_hint_shown)
        if action is CloseAction.ASK_QUIT and not self.confirm_quit():
            event.ignore()
            return
        if action in (CloseAction.HIDE_TO_TRAY, CloseAction.HIDE_TO_TRAY_EXPLAINED):
            event.ignore()
            self.hide()
            if action is CloseAction.HIDE_TO_TRAY_EXPLAINED:
                self.explain_tray()
                self.settings.tray_hint_shown = True
                try:
                    save_settings(self.settings)
                except OSError:
                    pass  # explained again next time; nothing else depends on it
            return
        self.shutdown()
        super().closeEvent(event)
        if self.tray is not None:
            self.tray.hide()
            QApplication.quit()  # the tray kept the application alive without a window

    def shutdown(self) -> None:
        """Stop background work: scans, polls and the upload runner (jobs resume next start)."""
        # Before widgets go away, so no result arrives for a page that no longer exists.
        self.send_page.volume_watcher.stop()
        self.transfer_service.shutdown()
        self.bridge.shutdown(5000)


def navigation_texts(window: MainWindow) -> list[str]:
    """The navigation entries as shown (used by tests and screenshots)."""
    return [window.navigation.item(i).text() for i in range(window.navigation.count())]

