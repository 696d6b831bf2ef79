"""The program's log file, read-only, for support questions.

The log holds no patient data (see ``core/logging_setup.py``), so showing it
and sending it to support is safe.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from downloadmanager.core.logging_setup import flush_log, log_file_path, read_log_tail
from downloadmanager.gui.settings.common import Section


class LogSection(Section):
    """The end of the log file with Refresh and Open-folder buttons."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.path_label = QLabel()
        self.path_label.setWordWrap(True)
        self.path_label.setTextInteractionFlags(self.path_label.textInteractionFlags()
                                                | self.path_label.textInteractionFlags().TextSelectableByMouse)
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setMinimumHeight(160)
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(self.refresh)
        self.open_button = QPushButton()
        self.open_button.clicked.connect(self.open_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.path_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.setTitle(self.tr("Log"))
        self.path_label.setText(self.tr("Log file: %1 (contains no patient data)")
                                .replace("%1", str(log_file_path())))
        self.refresh_button.setText(self.tr("Refresh"))
        self.open_button.setText(self.tr("Open log folder"))
        self.view.setPlaceholderText(self.tr("The log is empty so far."))

    def refresh(self) -> str:
        """Show the end of the log file (newest lines at the bottom); returns the text."""
        flush_log()
        text = read_log_tail()
        self.view.setPlainText(text)
        self.view.verticalScrollBar().setValue(self.view.verticalScrollBar().maximum())
        return text

    def open_folder(self) -> bool:
        """Open the logs folder in the file manager."""
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_file_path().parent)))
