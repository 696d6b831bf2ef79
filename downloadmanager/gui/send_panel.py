"""Send page, sending part: recipient, note, attachments and the Send button.

"Send" queues one upload job per checked study with the same core function
as ``downloadmanager upload`` (:func:`queue_studies`), after asking the
portal whether the recipient exists. Queuing runs through the bridge; on any
problem (not logged in, unknown recipient, portal unreachable) a plain
message is shown and the selection, note and attachments stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core.settings import Settings, save_settings
from downloadmanager.core.errors import AppError, AuthenticationError, NetworkError
from downloadmanager.core.transfers.settings import load_transfer_settings
from downloadmanager.gui.bridge import Bridge
from downloadmanager.gui.i18n import error_text
from downloadmanager.gui.portal_session import PortalSession
from downloadmanager.gui.recipient_picker import RecipientPicker
from downloadmanager.gui.send_options import AttachmentList, NoteEditor


class UnknownRecipientError(AppError):
    """The portal does not know the chosen community (any more)."""

    def __init__(self, code: str) -> None:
        super().__init__("unknown_recipient", community=code)


class SendPanel(QWidget):
    """Recipient, note, PDFs and the Send button for the studies checked in the tree."""

    #: Jobs were queued (list of job ids).
    sent = Signal(list)
    #: Sending did not start; a message for the user.
    send_failed = Signal(str)
    #: The user followed the link to the account settings.
    settings_requested = Signal()

    def __init__(self, bridge: Bridge, session: PortalSession, settings: Settings, *,
                 queue: Callable[..., list[int]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._session = session
        self._settings = settings
        # Queues studies (``TransferService.queue_studies``); runs on a worker thread.
        self._queue = queue
        self._studies: list = []
        self._source: Path | None = None
        self._sending = False

        self.picker = RecipientPicker(bridge, session, settings)
        self.picker.recipient_changed.connect(lambda _c: self._update())
        self.note = NoteEditor()
        self.attachments = AttachmentList(bridge)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.linkActivated.connect(lambda _link: self.settings_requested.emit())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.send_button = QPushButton()
        self.send_button.setDefault(True)
        self.send_button.setMinimumWidth(140)
        self.send_button.clicked.connect(self.send)
        self._build_layout()
        session.changed.connect(self._update)
        self.retranslateUi()

    def _build_layout(self) -> None:
        """Recipient, note and attachments in a form; the hint and the send button below."""
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 0, 0, 0)
        self.recipient_label = QLabel()
        self.note_label = QLabel()
        self.attachments_label = QLabel()
        self.form.addRow(self.recipient_label, self.picker)
        self.form.addRow(self.note_label, self.note)
        self.form.addRow(self.attachments_label, self.attachments)
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint, 1)
        bottom.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addLayout(bottom)

    def retranslateUi(self) -> None:
        self.recipient_label.setText(self.tr("Recipient:"))
        self.note_label.setText(self.tr("Note:"))
        self.attachments_label.setText(self.tr("Documents:"))
        self.send_button.setText(self.tr("Send"))
        self._update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def set_studies(self, studies: list, source: Path | None) -> None:
        """The studies checked in the tree, read from SOURCE (the scanned path)."""
        self._studies = list(studies)
        self._source = source
        self._update()

    def _update(self, *_args) -> None:
        """Enable Send only when it can work, and say what is missing otherwise."""
        missing = None
        if not self._session.logged_in:
            missing = self.tr("To send, log in first: %1.").replace(
                "%1", '<a href="account">' + self.tr("Settings → Account") + "</a>")
        elif not self._studies:
            missing = self.tr("Tick the studies to send in the list above.")
        elif self.picker.recipient is None:
            missing = self.tr("Choose the recipient: type part of its name.")
        self.hint.setText(missing or "")
        self.send_button.setEnabled(missing is None and not self._sending)

    def queued_text(self, count: int) -> str:
        """ "Transfer queued." or "3 transfers queued." (no "(s)" forms)."""
        if count == 1:
            return self.tr("Transfer queued.")
        return self.tr("%1 transfers queued.").replace("%1", str(count))

    def _show_message(self, text: str, *, error: bool) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def send(self) -> None:
        """Queue one upload per checked study for the chosen recipient (in the background)."""
        client = self._session.client
        recipient = self.picker.recipient
        if client is None or recipient is None or not self._studies or self._sending:
            self._update()
            return
        studies, source = list(self._studies), self._source or Path(".")
        code, note, attachments = recipient["code"], self.note.text(), self.attachments.paths()
        staging = load_transfer_settings().staging_policy
        queue = self._queue

        def work(_ctx) -> list[int]:
            if client.community(code) is None:
                raise UnknownRecipientError(code)
            return queue(studies, server=client.server, account=client.email,
                         community=code, source=source, note=note,
                         attachments=attachments, staging=staging)

        self._sending = True
        self._show_message(self.tr("Queuing…"), error=False)
        self._update()
        self._bridge.run(work, on_result=lambda ids: self._queued(code, ids),
                         on_error=lambda error: self._failed(error, recipient))

    def _queued(self, code: str, job_ids: list[int]) -> None:
        self._sending = False
        self._settings.remember_recipient(code)
        try:
            save_settings(self._settings)
        except OSError:
            pass  # only the list of recent recipients is not kept
        self.note.clear()
        self.attachments.clear()
        self._show_message(self.queued_text(len(job_ids)), error=False)
        self._update()
        self.sent.emit(job_ids)

    def _failed(self, error: BaseException, recipient: dict) -> None:
        self._sending = False
        if isinstance(error, UnknownRecipientError):
            text = self.tr("The portal does not know the recipient “%1”. Please search "
                           "again; nothing was sent.").replace("%1", recipient["name"])
            self.picker.set_recipient(None)
        elif isinstance(error, AuthenticationError):
            text = self.tr("The portal did not accept the login. Please log in again in "
                           "the settings; nothing was sent.")
        elif isinstance(error, NetworkError):
            text = self.tr("The portal cannot be reached. Check the network and press "
                           "Send again; nothing was lost.")
        else:
            text = self.tr("Sending could not start: %1. Nothing was lost.").replace(
                "%1", error_text(error))
        self._show_message(text, error=True)
        self._update()
        self.send_failed.emit(text)
