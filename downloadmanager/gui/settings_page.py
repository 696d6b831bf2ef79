"""Settings page: language, portal address and download folder.

Every change is saved at once (no "Save" button to forget). Secrets never
appear here; they live in the OS keyring.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core.settings import Settings, save_settings
from downloadmanager.gui.i18n import resolve_language

FORM_WIDTH = 680  # room for a long portal address without stretching over a wide window


def portal_url_is_valid(text: str) -> bool:
    """True for an empty value or an absolute http(s) address with a host."""
    if not text:
        return True
    url = QUrl(text, QUrl.ParsingMode.StrictMode)
    return url.isValid() and url.scheme() in ("https", "http") and bool(url.host())


class SettingsPage(QWidget):
    """Edits a :class:`Settings` object and writes it to disk on every change."""

    #: The language setting changed ("system", "de" or "en").
    language_changed = Signal(str)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)

        self.language_combo = QComboBox()
        for _ in ("system", "de", "en"):
            self.language_combo.addItem("")
        self.language_combo.setCurrentIndex(("system", "de", "en").index(settings.language))
        self.language_combo.currentIndexChanged.connect(self._language_selected)

        self.portal_edit = QLineEdit(settings.portal_url)
        self.portal_edit.setPlaceholderText("https://portal.example.org")
        self.portal_edit.editingFinished.connect(self._portal_edited)
        self.portal_error = QLabel()
        self.portal_error.setStyleSheet("color: #b00020;")
        self.portal_error.hide()

        self.folder_edit = QLineEdit(settings.storage_folder)
        self.folder_edit.setReadOnly(True)
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.folder_button)

        form_box = QWidget()
        form_box.setMaximumWidth(FORM_WIDTH)
        self.form = QFormLayout(form_box)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.language_label = QLabel()
        self.portal_label = QLabel()
        self.folder_label = QLabel()
        self.form.addRow(self.language_label, self.language_combo)
        self.form.addRow(self.portal_label, self.portal_edit)
        self.form.addRow("", self.portal_error)
        self.form.addRow(self.folder_label, folder_row)
        self.privacy_note = QLabel()
        self.privacy_note.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addSpacing(12)
        layout.addWidget(form_box)
        layout.addSpacing(12)
        layout.addWidget(self.privacy_note)
        layout.addStretch(1)
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.heading.setText(self.tr("Settings"))
        self.language_label.setText(self.tr("Language:"))
        for index, text in enumerate((self.tr("As the system (%1)").replace(
                "%1", self._system_language_name()), "Deutsch", "English")):
            self.language_combo.setItemText(index, text)
        self.portal_label.setText(self.tr("Portal address:"))
        self.portal_error.setText(self.tr("Please enter an address starting with https://"))
        self.folder_label.setText(self.tr("Download folder:"))
        self.folder_edit.setPlaceholderText(self.tr("Ask every time"))
        self.folder_button.setText(self.tr("Choose…"))
        self.privacy_note.setText(self.tr(
            "Passwords are kept in the system's password store, never in the settings file."))

    def _system_language_name(self) -> str:
        return "Deutsch" if resolve_language("system") == "de" else "English"

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def _save(self) -> None:
        save_settings(self.settings)

    def _language_selected(self, index: int) -> None:
        language = ("system", "de", "en")[index]
        if language == self.settings.language:
            return
        self.settings.language = language
        self._save()
        self.language_changed.emit(language)

    def _portal_edited(self) -> None:
        text = self.portal_edit.text().strip()
        valid = portal_url_is_valid(text)
        self.portal_error.setVisible(not valid)
        if valid and text.rstrip("/") != self.settings.portal_url:
            self.settings.portal_url = text.rstrip("/")
            self._save()

    def _choose_folder(self) -> None:
        start = self.settings.storage_folder or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, self.tr("Download folder"), start)
        if folder:
            self.set_storage_folder(folder)

    def set_storage_folder(self, folder: str) -> None:
        """Use FOLDER for downloads from now on (also what the dialog calls)."""
        self.settings.storage_folder = folder
        self.folder_edit.setText(folder)
        self._save()
