"""Settings page: general settings, portal account, PACS nodes, uploads, proxy and the log.

Every change is saved at once (no "Save" button to forget). Secrets never
appear in settings files; they live in the OS keyring. Each section is its
own module in ``gui/settings/``; this page only arranges them in tabs.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from downloadmanager.core.settings import Settings
from downloadmanager.gui.bridge import Bridge
from downloadmanager.gui.portal_session import PortalSession
from downloadmanager.gui.settings.account_section import AccountSection
from downloadmanager.gui.settings.diagnose_section import DiagnoseSection
from downloadmanager.gui.settings.general_section import GeneralSection, portal_url_is_valid
from downloadmanager.gui.settings.log_section import LogSection
from downloadmanager.gui.settings.network_section import NetworkSection
from downloadmanager.gui.settings.pacs_section import PacsSection
from downloadmanager.gui.settings.uploads_section import UploadsSection

__all__ = ["SettingsPage", "portal_url_is_valid"]

FORM_WIDTH = 760  # room for a long portal address without stretching over a wide window


def _tab(*widgets: QWidget, note: QLabel | None = None) -> QScrollArea:
    content = QWidget()
    content.setMaximumWidth(FORM_WIDTH)
    layout = QVBoxLayout(content)
    layout.setContentsMargins(12, 12, 12, 12)
    for widget in widgets:
        layout.addWidget(widget)
    if note is not None:
        layout.addWidget(note)
    layout.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(content)
    return scroll


class SettingsPage(QWidget):
    """All settings of the program, in tabs."""

    #: The language setting changed ("system", "de" or "en").
    language_changed = Signal(str)

    def __init__(self, settings: Settings, bridge: Bridge | None = None,
                 session: PortalSession | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.bridge = bridge or Bridge(parent=self)
        self.session = session or PortalSession(self.bridge, parent=self)
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)

        self.general = GeneralSection(settings)
        self.general.language_changed.connect(self.language_changed)
        self.account = AccountSection(settings, self.session)
        self.pacs = PacsSection(self.bridge)
        self.uploads = UploadsSection()
        self.network = NetworkSection()
        self.log = LogSection()
        self.diagnose = DiagnoseSection(self.bridge)
        self.privacy_note = QLabel()
        self.privacy_note.setWordWrap(True)

        self.tabs = QTabWidget()
        self.tabs.addTab(_tab(self.general, self.account, note=self.privacy_note), "")
        self.tabs.addTab(_tab(self.pacs), "")
        self.tabs.addTab(_tab(self.uploads, self.network), "")
        self.tabs.addTab(_tab(self.diagnose, self.log), "")
        self.tabs.currentChanged.connect(self._tab_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addSpacing(8)
        layout.addWidget(self.tabs, 1)
        self.retranslateUi()

    # The general section's widgets, under the names the rest of the window uses.
    @property
    def language_combo(self):
        return self.general.language_combo

    @property
    def language_label(self):
        return self.general.language_label

    @property
    def portal_edit(self):
        return self.general.portal_edit

    @property
    def portal_error(self):
        return self.general.portal_error

    @property
    def folder_edit(self):
        return self.general.folder_edit

    def set_storage_folder(self, folder: str) -> None:
        """Use FOLDER for downloads from now on."""
        self.general.set_storage_folder(folder)

    def retranslateUi(self) -> None:
        self.heading.setText(self.tr("Settings"))
        for index, text in enumerate((self.tr("General"), self.tr("PACS"),
                                      self.tr("Uploads and network"), self.tr("Diagnosis and log"))):
            self.tabs.setTabText(index, text)
        self.privacy_note.setText(self.tr(
            "Passwords are kept in the system's password store, never in the settings file."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def _tab_changed(self, index: int) -> None:
        if index == 3:
            self.log.refresh()
