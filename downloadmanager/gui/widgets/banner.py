"""A slim, non-modal message bar with one action (e.g. "New CD found: read it now?")."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton


class Banner(QFrame):
    """Shows a message with an action button and a close button; never blocks the window.

    The owner sets the texts (it knows the context); ``accepted`` and
    ``dismissed`` say which button was pressed. Both hide the banner.
    """

    accepted = Signal()
    dismissed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setStyleSheet(
            "#Banner { background: palette(highlight); border-radius: 6px; }"
            " #Banner QLabel { color: palette(highlighted-text); }")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.action_button = QPushButton()
        self.action_button.clicked.connect(self._accept)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self._dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(self, message: str, action: str, close_tooltip: str) -> None:
        """Show MESSAGE with an ACTION button."""
        self.message.setText(message)
        self.action_button.setText(action)
        self.close_button.setToolTip(close_tooltip)
        self.show()

    def _accept(self) -> None:
        self.hide()
        self.accepted.emit()

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
