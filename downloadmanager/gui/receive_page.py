"""Receive page: access code and birth date -> the studies behind the code -> download.

1. The code (typed, pasted, or read from a QR image chosen, dropped or
   pasted) and the patient's birth date, both checked by the core.
2. "Show" redeems the code on the portal through the bridge and lists the
   studies, with the code's expiry date shown prominently. Portal refusals
   (wrong code or birth date, too many attempts, expired) appear as the
   core's plain message in the window's language.
3. :class:`~downloadmanager.gui.download_panel.DownloadPanel` saves the
   ticked studies (folder, DICOMDIR medium, ZIP, PACS) with progress and cancel.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QEvent, QLocale, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core.access_code import AccessCodeError, CodeInput
from downloadmanager.core.documents.texts import parse_iso_moment
from downloadmanager.core.errors import AppError
from downloadmanager.core.settings import Settings, load_settings
from downloadmanager.gui.bridge import Bridge, Task
from downloadmanager.gui.code_inputs import BirthDateEdit, CodeLineEdit, message_language
from downloadmanager.gui.download_panel import DownloadPanel
from downloadmanager.gui.formatting import date_format
from downloadmanager.gui.qr_intake import decode_file, has_qr_candidate, image_file_in, save_image_data
from downloadmanager.gui.study_list import StudyListTable

if TYPE_CHECKING:
    from downloadmanager.core.download.job import CodeSession

log = logging.getLogger(__name__)

FORM_WIDTH = 640  # wide enough for German labels, narrow enough to read at a glance
ERROR_STYLE = "color: #b00020;"


def _redeem_and_list(server: str, code: CodeInput, birth_date: str) -> CodeSession:
    # The download flow imports pydicom and numpy: loaded on the first redeem, on
    # the bridge's worker, so the window's start never waits for them.
    from downloadmanager.core.download.job import redeem_and_list

    return redeem_and_list(server, code, birth_date)


class ReceivePage(QWidget):
    """Download studies shared with an access code."""

    #: Studies were listed for a code (argument: the CodeSession).
    studies_listed = Signal(object)
    #: A QR image was read into the code field.
    qr_read = Signal(str)

    def __init__(self, bridge: Bridge | None = None, settings: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge or Bridge(parent=self)
        self.settings = settings if settings is not None else load_settings()
        self.session: CodeSession | None = None
        self.redeem_task: Task | None = None
        self.setAcceptDrops(True)
        self._build_heading()
        form_box = self._build_code_form()
        self._build_results()
        self._build_page_layout(form_box)
        # Ctrl+V anywhere on the page (outside the code field) reads a pasted QR image.
        self.paste_shortcut = QShortcut(QKeySequence.StandardKey.Paste, self)
        self.paste_shortcut.activated.connect(self.paste_qr_image)
        self.retranslateUi()

    # -- building the page ----------------------------------------------------------

    def _build_heading(self) -> None:
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.intro = QLabel()
        self.intro.setWordWrap(True)

    def _build_code_entry(self) -> QHBoxLayout:
        """The code field with its two QR buttons (file, paste)."""
        self.code_edit = CodeLineEdit()
        self.code_edit.problem_changed.connect(self._code_problem)
        self.code_edit.image_pasted.connect(self.paste_qr_image)
        self.code_edit.returnPressed.connect(self.show_studies)
        self.qr_file_button = QPushButton()
        self.qr_file_button.clicked.connect(self._choose_qr_file)
        self.qr_paste_button = QPushButton()
        self.qr_paste_button.clicked.connect(self.paste_qr_image)
        code_row = QHBoxLayout()
        code_row.addWidget(self.code_edit, 1)
        code_row.addWidget(self.qr_file_button)
        code_row.addWidget(self.qr_paste_button)
        return code_row

    def _build_code_form(self) -> QWidget:
        """Code, birth date, the button and the error line; also the drop hint below."""
        code_row = self._build_code_entry()
        self.birth_date_edit = BirthDateEdit()
        self.birth_date_edit.returnPressed.connect(self.show_studies)
        self.show_button = QPushButton()
        self.show_button.clicked.connect(self.show_studies)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()

        self.code_label = QLabel()
        self.birth_label = QLabel()
        form_box = QWidget()
        form_box.setMaximumWidth(FORM_WIDTH)
        form = QFormLayout(form_box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.code_label, code_row)
        form.addRow(self.birth_label, self.birth_date_edit)
        form.addRow("", self.show_button)
        form.addRow("", self.message)
        self.drop_hint = QLabel()
        self.drop_hint.setEnabled(False)
        self.drop_hint.setWordWrap(True)
        return form_box

    def _build_results(self) -> None:
        """Expiry, the study list and the download panel (hidden until studies are listed)."""
        self.expiry_label = QLabel()
        expiry_font = self.expiry_label.font()
        expiry_font.setPointSizeF(expiry_font.pointSizeF() * 1.25)
        expiry_font.setBold(True)
        self.expiry_label.setFont(expiry_font)
        self.expiry_label.setStyleSheet("color: #8a4b00;")
        self.study_table = StudyListTable()
        self.study_table.selection_changed.connect(self._update_download_button)
        self.download_panel = DownloadPanel(self.bridge, self.settings)
        self.download_panel.download_button.clicked.connect(self.start_download)
        self.results = QFrame()
        results_layout = QVBoxLayout(self.results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.expiry_label)
        results_layout.addWidget(self.study_table, 1)
        results_layout.addWidget(self.download_panel)
        self.results.hide()

    def _build_page_layout(self, form_box: QWidget) -> None:
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addSpacing(12)
        layout.addWidget(form_box)
        layout.addWidget(self.drop_hint)
        layout.addSpacing(12)
        layout.addWidget(self.results, 1)
        layout.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # -- texts --------------------------------------------------------------------
    def retranslateUi(self) -> None:
        self.heading.setText(self.tr("Receive studies"))
        self.intro.setText(self.tr(
            "Enter the access code you were given and the patient's date of birth."))
        self.code_label.setText(self.tr("Access code:"))
        self.code_edit.setPlaceholderText("XXXX-XXXX-XXXX")
        self.qr_file_button.setText(self.tr("QR code from image…"))
        self.qr_paste_button.setText(self.tr("Paste QR image"))
        self.qr_paste_button.setToolTip(self.tr("Reads a QR code copied to the clipboard (Ctrl+V)"))
        self.birth_label.setText(self.tr("Date of birth:"))
        self.birth_date_edit.retranslate()
        self.show_button.setText(self.tr("Show"))
        self.drop_hint.setText(self.tr(
            "Tip: drop a photo or screenshot of the QR code onto this page, or paste it with Ctrl+V."))
        self._show_expiry()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    @property
    def download_button(self) -> QPushButton:
        """The Download button (of the download panel)."""
        return self.download_panel.download_button

    # -- messages -----------------------------------------------------------------
    def show_message(self, text: str) -> None:
        """Show TEXT as the page's (error) message; empty hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _code_problem(self, text: str) -> None:
        self.show_message(text)

    @staticmethod
    def _error_text(error: BaseException) -> str:
        if isinstance(error, AppError):
            return error.message(message_language())
        return f"{type(error).__name__}: {error}"

    # -- QR images ------------------------------------------------------------------
    def _choose_qr_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("QR code from image"), str(Path.home()),
            self.tr("Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)"))
        if name:
            self.read_qr_file(Path(name))

    def read_qr_file(self, path: Path, *, delete_after: bool = False) -> Task:
        """Decode the QR code in PATH in the background and put its code into the field."""
        self.show_message("")
        return self.bridge.run(lambda _ctx: decode_file(path, delete_after=delete_after),
                               on_result=self._qr_decoded,
                               on_error=lambda error: self.show_message(self._error_text(error)))

    def open_code(self, code: CodeInput) -> None:
        """Fill in CODE (from a QR code or a ``downloadmanager:`` link); the birth date is next."""
        self.code_edit.set_code(code)
        self.show_message("")
        self.birth_date_edit.setFocus()

    def _qr_decoded(self, code: CodeInput) -> None:
        self.open_code(code)
        self.qr_read.emit(code.formatted)

    def paste_qr_image(self) -> Task | None:
        """Read the QR code of an image on the clipboard (text is pasted as usual)."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            return None
        path = image_file_in(mime)
        if path is not None:
            return self.read_qr_file(path)
        if mime.hasImage():
            return self._read_image_data(QGuiApplication.clipboard().image())
        if mime.hasText() and not self.code_edit.hasFocus():
            self.code_edit.setText(mime.text())
            self.code_edit.textEdited.emit(mime.text())
            return None
        self.show_message(self.tr("The clipboard holds no image of a QR code."))
        return None

    def _read_image_data(self, image) -> Task | None:
        try:
            path = save_image_data(image)
        except OSError as exc:
            self.show_message(str(exc))
            return None
        return self.read_qr_file(path, delete_after=True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if has_qr_candidate(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        path = image_file_in(mime)
        if path is not None:
            event.acceptProposedAction()
            self.read_qr_file(path)
        elif mime is not None and mime.hasImage():
            event.acceptProposedAction()
            self._read_image_data(mime.imageData())
        else:
            event.ignore()

    # -- redeem and list ------------------------------------------------------------
    def portal_url(self) -> str:
        """Where to redeem: the QR code's portal, else the one in the settings."""
        return self.code_edit.portal_url or self.settings.portal_url

    def show_studies(self) -> Task | None:
        """Check the input with the core, then redeem the code and list its studies."""
        if self.redeem_task is not None and self.redeem_task.is_running:
            return None
        try:
            code = self.code_edit.code()
            birth = self.birth_date_edit.birth_date()
        except AccessCodeError as exc:
            self.show_message(exc.message(message_language()))
            return None
        server = self.portal_url()
        if not server:
            self.show_message(self.tr("No portal address is set. Enter it under Settings, "
                                      "or read the QR code, which contains it."))
            return None
        self.show_message("")
        self.session = None
        self.results.hide()
        self.show_button.setEnabled(False)
        self.show_button.setText(self.tr("Checking…"))
        self.redeem_task = self.bridge.run(
            lambda _ctx: _redeem_and_list(server, code, birth.isoformat()),
            on_result=self._listed, on_error=self._redeem_failed)
        return self.redeem_task

    def _redeem_done(self) -> None:
        self.show_button.setEnabled(True)
        self.show_button.setText(self.tr("Show"))

    def _redeem_failed(self, error: BaseException) -> None:
        self._redeem_done()
        log.info("code not redeemed: %s", getattr(error, "key", type(error).__name__))
        self.show_message(self._error_text(error))

    def _listed(self, session: CodeSession) -> None:
        self._redeem_done()
        self.session = session
        log.info("code redeemed: %d studies listed", len(session.studies))
        self.study_table.show_studies(session.studies)
        self.download_panel.reload_nodes()
        self._show_expiry()
        self.results.show()
        self.studies_listed.emit(session)

    def expiry_text(self) -> str:
        """"Code valid until 12.03.2027" in the window's language ("" before a listing)."""
        if self.session is None:
            return ""
        moment = parse_iso_moment(self.session.code_expires)
        if moment is None:
            shown = self.session.code_expires
        else:
            local = moment.astimezone()
            locale = QLocale()
            shown = locale.toString(QDate(local.year, local.month, local.day), date_format(locale))
        return self.tr("Code valid until %1 — download before then.").replace("%1", shown)

    def _show_expiry(self) -> None:
        self.expiry_label.setText(self.expiry_text())

    # -- download ---------------------------------------------------------------------
    def _update_download_button(self) -> None:
        self.download_panel.download_button.setEnabled(
            self.session is not None and bool(self.study_table.checked_uids())
            and not self.download_panel.busy)

    def start_download(self) -> Task | None:
        """Download the ticked studies with the panel's options."""
        uids = self.study_table.checked_uids()
        if self.session is None or not uids:
            return None
        task = self.download_panel.start(self.session, uids)
        if task is not None:
            task.finished.connect(self._update_download_button)
        return task
