"""The portal account: log in with e-mail and password, log out.

Logging in goes through the window's :class:`~downloadmanager.gui.portal_session.PortalSession`
(the same ``PortalClient.login`` as ``downloadmanager login``): the password
and the token land in the OS keyring via the core's credential store. When
the system has no keyring, a plain warning says that the password is kept
only until the program closes.
"""

from __future__ import annotations

import keyring
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton

from downloadmanager.core.settings import Settings
from downloadmanager.gui.portal_session import PortalSession
from downloadmanager.gui.settings.common import ERROR_STYLE, WARNING_STYLE, Section, show_status, status_label


def keyring_missing() -> bool:
    """True when the system has no keyring that keeps secrets (fail or null backend)."""
    backend = keyring.get_keyring()
    module = type(backend).__module__
    return module.endswith((".fail", ".null")) or getattr(backend, "priority", 1) <= 0


class AccountSection(Section):
    """Log in and out of the portal named in the general settings."""

    def __init__(self, settings: Settings, session: PortalSession, parent=None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.session = session
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.email_edit = QLineEdit()
        self.email_edit.setPlaceholderText("praxis@example.org")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.returnPressed.connect(self.log_in)
        self.login_button = QPushButton()
        self.login_button.clicked.connect(self.log_in)
        self.logout_button = QPushButton()
        self.logout_button.clicked.connect(self.log_out)
        buttons = QHBoxLayout()
        buttons.addWidget(self.login_button)
        buttons.addWidget(self.logout_button)
        buttons.addStretch(1)
        self.error = status_label(ERROR_STYLE)
        self.keyring_warning = status_label(WARNING_STYLE)
        self.email_label = QLabel()
        self.password_label = QLabel()
        form = QFormLayout(self)
        form.addRow(self.status)
        form.addRow(self.email_label, self.email_edit)
        form.addRow(self.password_label, self.password_edit)
        form.addRow("", buttons)
        form.addRow(self.error)
        form.addRow(self.keyring_warning)
        session.changed.connect(self._refresh)
        session.login_failed.connect(self._login_failed)
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.setTitle(self.tr("Portal account"))
        self.email_label.setText(self.tr("E-mail:"))
        self.password_label.setText(self.tr("Password:"))
        self.login_button.setText(self.tr("Log in"))
        self.logout_button.setText(self.tr("Log out"))
        self._refresh()

    def _refresh(self) -> None:
        client = self.session.client
        if client is not None:
            self.status.setText(self.tr("Logged in as %1 at %2.").replace("%1", client.email)
                                .replace("%2", client.server))
            if not self.email_edit.text():
                self.email_edit.setText(client.email)
            self.password_edit.clear()  # it is in the keyring (or memory) now
        else:
            self.status.setText(self.tr("Not logged in. Log in to send studies and to create "
                                        "access codes."))
        self.logout_button.setEnabled(client is not None)
        self.login_button.setEnabled(True)
        self._show_keyring_warning()

    def _show_keyring_warning(self) -> None:
        missing = keyring_missing() or not self.session.credentials.keyring_available
        text = self.tr("This computer has no password store (keyring). Your password is kept "
                       "only until the program closes; you will have to log in again next "
                       "time.") if missing else ""
        show_status(self.keyring_warning, text, WARNING_STYLE)

    def log_in(self):
        """Log in with the entered e-mail and password (in the background)."""
        server = self.settings.portal_url
        email = self.email_edit.text().strip()
        password = self.password_edit.text()
        if not server:
            show_status(self.error, self.tr("Enter the portal address above first."), ERROR_STYLE)
            return None
        if not email or not password:
            show_status(self.error, self.tr("Enter your e-mail address and password."), ERROR_STYLE)
            return None
        show_status(self.error, "", ERROR_STYLE)
        self.login_button.setEnabled(False)
        return self.session.login(server, email, password)

    def _login_failed(self, message: str) -> None:
        self.login_button.setEnabled(True)
        show_status(self.error, self.tr("Login failed: %1").replace("%1", message), ERROR_STYLE)

    def log_out(self):
        """Forget the password and token and log the window out."""
        show_status(self.error, "", ERROR_STYLE)
        return self.session.logout()
