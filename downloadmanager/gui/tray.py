"""The system tray icon: notifications about finished transfers, open and quit.

Created only where the desktop has a tray (``QSystemTrayIcon.isSystemTrayAvailable``);
what it shows is decided in :mod:`downloadmanager.gui.tray_policy`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon


def tray_available() -> bool:
    """True when the desktop shows tray icons."""
    return QSystemTrayIcon.isSystemTrayAvailable()


class TrayIcon(QObject):
    """Tray icon with the menu "Open window" / "Quit"."""

    open_requested = Signal()
    quit_requested = Signal()

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.icon = QSystemTrayIcon(icon, self)
        self.menu = QMenu()
        self.open_action = QAction(self.menu)
        self.open_action.triggered.connect(self.open_requested)
        self.quit_action = QAction(self.menu)
        self.quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(self.open_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.retranslate()
        self.icon.show()

    def retranslate(self) -> None:
        self.open_action.setText(self.tr("Open window"))
        self.quit_action.setText(self.tr("Quit"))
        self.icon.setToolTip("Downloadmanager")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()

    def notify(self, title: str, text: str, *, error: bool = False) -> None:
        """Show a desktop notification."""
        kind = (QSystemTrayIcon.MessageIcon.Warning if error
                else QSystemTrayIcon.MessageIcon.Information)
        self.icon.showMessage(title, text, kind, 10000)

    def hide(self) -> None:
        """Remove the icon (at quit)."""
        self.icon.hide()
