"""Small helpers shared by the settings sections."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QGroupBox, QLabel

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #0a6e2a;"
WARNING_STYLE = "background: #fff4d6; color: #5c3b00; padding: 6px; border-radius: 3px;"


class Section(QGroupBox):
    """A titled group that retranslates itself on a language change."""

    def retranslateUi(self) -> None:  # pragma: no cover - every section overrides it
        raise NotImplementedError

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)


def status_label(style: str = "") -> QLabel:
    """A word-wrapped label for results and errors, hidden until it has text."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(style)
    label.hide()
    return label


def show_status(label: QLabel, text: str, style: str) -> None:
    """Show TEXT in LABEL with STYLE (empty text hides it)."""
    label.setText(text)
    label.setStyleSheet(style)
    label.setVisible(bool(text))
