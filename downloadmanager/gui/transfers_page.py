"""Transfers page: the queue of uploads and downloads.

The queue view arrives with the transfer engine's GUI part. Until then the
page says so; its actions are disabled rather than pretending to work.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class TransfersPage(QWidget):
    """Placeholder layout of the transfer queue with disabled actions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.pause_button = QPushButton()
        self.resume_button = QPushButton()
        self.retry_button = QPushButton()
        buttons = QHBoxLayout()
        for button in (self.pause_button, self.resume_button, self.retry_button):
            button.setEnabled(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.coming_note = QLabel()
        self.coming_note.setWordWrap(True)
        self.coming_note.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addSpacing(12)
        layout.addWidget(self.coming_note)
        layout.addStretch(1)
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.heading.setText(self.tr("Transfers"))
        self.intro.setText(self.tr(
            "Uploads and downloads of this computer."))
        self.pause_button.setText(self.tr("Pause"))
        self.resume_button.setText(self.tr("Resume"))
        self.retry_button.setText(self.tr("Retry"))
        coming = self.tr("Coming in a later version")
        for button in (self.pause_button, self.resume_button, self.retry_button):
            button.setToolTip(coming)
        self.coming_note.setText(self.tr("The list of transfers is coming in a later version."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)
