"""Receive page: access code and birth date for downloading shared studies.

Only the form exists yet; downloading arrives with the download engine. The
action stays disabled and says so instead of pretending to work.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QEvent, QLocale
from PySide6.QtWidgets import (
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.gui.formatting import date_format

FORM_WIDTH = 620  # wide enough for German labels, narrow enough to read at a glance


class ReceivePage(QWidget):
    """Form for an access code and the patient's birth date."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.intro = QLabel()
        self.intro.setWordWrap(True)

        self.code_edit = QLineEdit()
        self.birth_date_edit = QDateEdit()
        self.birth_date_edit.setCalendarPopup(True)
        # No pre-filled birth date (a plausible default invites mistakes): the
        # minimum date stands for "not entered yet" and shows a hint instead.
        self.birth_date_edit.setMinimumDate(QDate(1900, 1, 1))
        self.birth_date_edit.setMaximumDate(QDate.currentDate())
        self.birth_date_edit.setDate(self.birth_date_edit.minimumDate())
        self.download_button = QPushButton()
        self.download_button.setEnabled(False)

        self.code_label = QLabel()
        self.birth_label = QLabel()
        form_box = QWidget()
        form_box.setMaximumWidth(FORM_WIDTH)
        form = QFormLayout(form_box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.code_label, self.code_edit)
        form.addRow(self.birth_label, self.birth_date_edit)
        form.addRow("", self.download_button)
        self.coming_note = QLabel()
        self.coming_note.setWordWrap(True)
        self.coming_note.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addSpacing(12)
        layout.addWidget(form_box)
        layout.addSpacing(12)
        layout.addWidget(self.coming_note)
        layout.addStretch(1)
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.heading.setText(self.tr("Receive studies"))
        self.intro.setText(self.tr(
            "Enter the access code you were given and the patient's date of birth."))
        self.code_label.setText(self.tr("Access code:"))
        self.code_edit.setPlaceholderText(self.tr("12 characters, e.g. K7PX-92QD-M4H3"))
        self.birth_label.setText(self.tr("Date of birth:"))
        # Widgets keep the locale they were created with; follow the language instead.
        locale = QLocale()
        self.birth_date_edit.setLocale(locale)
        self.birth_date_edit.setDisplayFormat(date_format(locale))
        self.birth_date_edit.setSpecialValueText(self.tr("dd.mm.yyyy"))
        self.download_button.setText(self.tr("Download"))
        coming = self.tr("Coming in a later version")
        self.download_button.setToolTip(coming)
        self.coming_note.setText(self.tr("Downloading is coming in a later version."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)
