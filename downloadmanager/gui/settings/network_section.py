"""Proxy: as the system says, a manual ``host:port``, or none.

Saved with the core's :mod:`downloadmanager.core.net_settings`; every HTTP
session the core opens (login, upload, download) applies it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QRadioButton, QVBoxLayout

from downloadmanager.core.net_settings import (
    NetworkSettings,
    ProxyError,
    load_network_settings,
    parse_proxy,
    save_network_settings,
)
from downloadmanager.gui.i18n import error_text
from downloadmanager.gui.settings.common import ERROR_STYLE, Section, show_status, status_label


class NetworkSection(Section):
    """The proxy choice."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.network = load_network_settings()
        self.system_radio = QRadioButton()
        self.manual_radio = QRadioButton()
        self.none_radio = QRadioButton()
        self.group = QButtonGroup(self)
        for radio in (self.system_radio, self.manual_radio, self.none_radio):
            self.group.addButton(radio)
        self.proxy_edit = QLineEdit()
        self.proxy_edit.setPlaceholderText("proxy.klinik.local:3128")
        if self.network.proxy_host:
            host = f"[{self.network.proxy_host}]" if ":" in self.network.proxy_host else self.network.proxy_host
            self.proxy_edit.setText(f"{host}:{self.network.proxy_port}")
        {"system": self.system_radio, "manual": self.manual_radio,
         "none": self.none_radio}[self.network.proxy_mode].setChecked(True)
        self.proxy_edit.setEnabled(self.manual_radio.isChecked())
        self.group.buttonToggled.connect(self._mode_toggled)
        self.proxy_edit.editingFinished.connect(self.save)
        self.error = status_label(ERROR_STYLE)
        manual_row = QHBoxLayout()
        manual_row.addWidget(self.manual_radio)
        manual_row.addWidget(self.proxy_edit, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.system_radio)
        layout.addLayout(manual_row)
        layout.addWidget(self.none_radio)
        layout.addWidget(self.error)
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.setTitle(self.tr("Proxy"))
        self.system_radio.setText(self.tr("Use the system's proxy settings"))
        self.manual_radio.setText(self.tr("Manual proxy (host:port):"))
        self.none_radio.setText(self.tr("No proxy (direct connection)"))

    def _mode_toggled(self, _button, checked: bool) -> None:
        if checked:
            self.proxy_edit.setEnabled(self.manual_radio.isChecked())
            self.save()

    def mode(self) -> str:
        if self.manual_radio.isChecked():
            return "manual"
        return "none" if self.none_radio.isChecked() else "system"

    def save(self) -> bool:
        """Validate and save; a manual proxy without a usable host:port is not saved."""
        mode = self.mode()
        settings = NetworkSettings(mode, self.network.proxy_host, self.network.proxy_port)
        if mode == "manual":
            text = self.proxy_edit.text().strip()
            if not text:
                show_status(self.error, self.tr("Enter the proxy as host:port, e.g. "
                                                "proxy.klinik.local:3128."), ERROR_STYLE)
                return False
            try:
                settings.proxy_host, settings.proxy_port = parse_proxy(text)
            except ProxyError:
                show_status(self.error, self.tr("%1 is not host:port (e.g. proxy.klinik.local:3128).")
                            .replace("%1", text), ERROR_STYLE)
                return False
        try:
            save_network_settings(settings)
        except (ProxyError, OSError) as exc:
            show_status(self.error, error_text(exc), ERROR_STYLE)
            return False
        self.network = settings
        show_status(self.error, "", ERROR_STYLE)
        return True
