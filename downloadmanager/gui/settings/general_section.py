"""Language, portal address and download folder; saved on every change."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton

from downloadmanager.core.settings import Settings, save_settings
from downloadmanager.gui.i18n import resolve_language
from downloadmanager.gui.settings.common import ERROR_STYLE, Section


def portal_url_is_valid(text: str) -> bool:
    """True for an empty value or an absolute http(s) address with a host."""
    if not text:
        return True
    url = QUrl(text, QUrl.ParsingMode.StrictMode)
    return url.isValid() and url.scheme() in ("https", "http") and bool(url.host())


class GeneralSection(Section):
    """Edits the general :class:`Settings` and writes them to disk at once."""

    #: The language setting changed ("system", "de" or "en").
    language_changed = Signal(str)
    #: The portal address changed (the new address).
    portal_changed = Signal(str)

    def __init__(self, settings: Settings, parent=None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.language_combo = QComboBox()
        for _ in ("system", "de", "en"):
            self.language_combo.addItem("")
        self.language_combo.setCurrentIndex(("system", "de", "en").index(settings.language))
        self.language_combo.currentIndexChanged.connect(self._language_selected)

        self.portal_edit = QLineEdit(settings.portal_url)
        self.portal_edit.setPlaceholderText("https://portal.example.org")
        self.portal_edit.editingFinished.connect(self._portal_edited)
        self.portal_error = QLabel()
        self.portal_error.setStyleSheet(ERROR_STYLE)
        self.portal_error.hide()

        self.folder_edit = QLineEdit(settings.storage_folder)
        self.folder_edit.setReadOnly(True)
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.folder_button)

        self.language_label = QLabel()
        self.portal_label = QLabel()
        self.folder_label = QLabel()
        form = QFormLayout(self)
        form.addRow(self.language_label, self.language_combo)
        form.addRow(self.portal_label, self.portal_edit)
        form.addRow("", self.portal_error)
        form.addRow(self.folder_label, folder_row)
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.setTitle(self.tr("General"))
        self.language_label.setText(self.tr("Language:"))
        system = "Deutsch" if resolve_language("system") == "de" else "English"
        for index, text in enumerate((self.tr("As the system (%1)").replace("%1", system),
                                      "Deutsch", "English")):
            self.language_combo.setItemText(index, text)
        self.portal_label.setText(self.tr("Portal address:"))
        self.portal_error.setText(self.tr("Please enter an address starting with https://"))
        self.folder_label.setText(self.tr("Download folder:"))
        self.folder_edit.setPlaceholderText(self.tr("Ask every time"))
        self.folder_button.setText(self.tr("Choose…"))

    def _language_selected(self, index: int) -> None:
        language = ("system", "de", "en")[index]
        if language == self.settings.language:
            return
        self.settings.language = language
        save_settings(self.settings)
        self.language_changed.emit(language)

    def _portal_edited(self) -> None:
        text = self.portal_edit.text().strip()
        valid = portal_url_is_valid(text)
        self.portal_error.setVisible(not valid)
        if valid and text.rstrip("/") != self.settings.portal_url:
            self.settings.portal_url = text.rstrip("/")
            save_settings(self.settings)
            self.portal_changed.emit(self.settings.portal_url)

    def _choose_folder(self) -> None:
        start = self.settings.storage_folder or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, self.tr("Download folder"), start)
        if folder:
            self.set_storage_folder(folder)

    def set_storage_folder(self, folder: str) -> None:
        """Use FOLDER for downloads from now on (also what the dialog calls)."""
        self.settings.storage_folder = folder
        self.folder_edit.setText(folder)
        save_settings(self.settings)
