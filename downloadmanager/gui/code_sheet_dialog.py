"""Create an access code for a finished transfer's study and save or print its sheet.

Note for the Transfers page: call ``open_code_sheet_dialog(parent, job, session=..., bridge=...)``
with a finished :class:`~downloadmanager.core.transfers.model.Job` (state
``done``); it returns the shown, non-modal dialog. The receipt PDF is written
by the Qt-free ``downloadmanager.core.documents.receipt.save_receipt_for_jobs(jobs,
path, lang, credentials=...)`` (run it through the bridge; the CLI twin is
``downloadmanager transfers receipt ID --pdf FILE``).

Flow: the patient's birth date (the second factor; it goes to the portal
only and is never printed) and a validity of 4 to 12 weeks -> "Create code"
(``POST /api/codes`` through the bridge, the same core call as
``downloadmanager share``) -> the code and its expiry in large type -> "Save
PDF…" writes the access-code sheet, "Open for printing" opens it in the
system's PDF viewer.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core import paths
from downloadmanager.core.access_code import AccessCodeError
from downloadmanager.core.documents.code_sheet import CodeSheet, SheetStudy, write_code_sheet_pdf
from downloadmanager.core.documents.receipt import ReceiptStudy, study_from_job
from downloadmanager.core.documents.share import (
    DEFAULT_WEEKS,
    MAX_WEEKS,
    MIN_WEEKS,
    CreatedCode,
    create_access_code,
)
from downloadmanager.core.documents.texts import format_day, parse_iso_moment
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.transfers.model import Job, JobState
from downloadmanager.gui.bridge import Bridge, Task
from downloadmanager.gui.code_inputs import BirthDateEdit, message_language
from downloadmanager.gui.i18n import error_text
from downloadmanager.gui.formatting import format_dicom_date, format_person_name
from downloadmanager.gui.settings.common import ERROR_STYLE, OK_STYLE, show_status, status_label

log = logging.getLogger(__name__)


class CodeSheetDialog(QDialog):
    """Creates a code for JOB's study and writes the access-code sheet."""

    def __init__(self, job: Job, *, session=None, bridge: Bridge | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.session = session
        self.bridge = bridge or Bridge(parent=self)
        self.created: CreatedCode | None = None
        self.study: ReceiptStudy | None = None
        self.sheet_path: Path | None = None
        #: Asks where to save the PDF (tests replace it).
        self.ask_path = self._ask_path
        self._build_code_entry()
        self._build_code_display()
        self._build_sheet_buttons()
        self._build_layout()
        self.retranslateUi()
        if job.state is not JobState.DONE:
            self.create_button.setEnabled(False)
            show_status(self.error, self.tr("Codes can be created only for transfers the portal "
                                            "has verified completely."), ERROR_STYLE)
        self.bridge.run(lambda _ctx: study_from_job(job), on_result=self._study_read)

    # -- building the dialog --------------------------------------------------------

    def _build_code_entry(self) -> None:
        """The study, birth date, validity and the 'Create code' button."""
        self.study_label = QLabel()
        self.study_label.setWordWrap(True)
        self.birth_date_edit = BirthDateEdit()
        self.weeks_spin = QSpinBox()
        self.weeks_spin.setRange(MIN_WEEKS, MAX_WEEKS)
        self.weeks_spin.setValue(DEFAULT_WEEKS)
        self.create_button = QPushButton()
        self.create_button.clicked.connect(self.create_code)
        self.error = status_label(ERROR_STYLE)

    def _build_code_display(self) -> None:
        """The created code in large letters and its expiry (hidden until created)."""
        self.code_label = QLabel()
        font = self.code_label.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        font.setFamily("monospace")
        self.code_label.setFont(font)
        self.code_label.setTextInteractionFlags(self.code_label.textInteractionFlags().TextSelectableByMouse)
        self.code_label.hide()
        self.expiry_label = QLabel()
        self.expiry_label.hide()

    def _build_sheet_buttons(self) -> None:
        self.save_button = QPushButton()
        self.save_button.clicked.connect(self.save_pdf)
        self.print_button = QPushButton()
        self.print_button.clicked.connect(self.open_for_printing)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.accept)
        for button in (self.save_button, self.print_button):
            button.setEnabled(False)
        self.saved = status_label(OK_STYLE)

    def _build_layout(self) -> None:
        self.birth_label = QLabel()
        self.weeks_label = QLabel()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)
        form = QFormLayout()
        form.addRow(self.birth_label, self.birth_date_edit)
        form.addRow(self.weeks_label, self.weeks_spin)
        form.addRow("", self.create_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.study_label)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.code_label)
        layout.addWidget(self.expiry_label)
        layout.addWidget(self.saved)
        layout.addLayout(buttons)

    def retranslateUi(self) -> None:
        self.setWindowTitle(self.tr("Access code for a transfer"))
        self.birth_label.setText(self.tr("Patient's date of birth:"))
        self.weeks_label.setText(self.tr("Valid for:"))
        self.weeks_spin.setSuffix(" " + self.tr("weeks"))
        self.create_button.setText(self.tr("Create code"))
        self.hint.setText(self.tr("The date of birth is the second key: the portal checks it when "
                                  "the code is used. It is not printed on the sheet."))
        self.save_button.setText(self.tr("Save PDF…"))
        self.print_button.setText(self.tr("Open for printing"))
        self.close_button.setText(self.tr("Close"))
        self._show_study()

    def _study_read(self, study: ReceiptStudy) -> None:
        self.study = study
        self._show_study()

    def _show_study(self) -> None:
        study = self.study
        if study is None:
            self.study_label.setText(self.tr("Study %1").replace("%1", self.job.study_instance_uid))
            return
        parts = [format_person_name(study.patient_name), format_dicom_date(study.study_date),
                 study.study_description]
        self.study_label.setText(" · ".join(p for p in parts if p) or study.study_instance_uid)

    def _client(self) -> PortalClient:
        if self.session is not None:
            return self.session.client_for(self.job.server, self.job.account)
        return PortalClient(self.job.server, self.job.account)

    def create_code(self) -> Task | None:
        """Ask the portal for a code (in the background)."""
        try:
            birth = self.birth_date_edit.birth_date()
        except AccessCodeError as exc:
            show_status(self.error, exc.message(message_language()), ERROR_STYLE)
            return None
        show_status(self.error, "", ERROR_STYLE)
        self.create_button.setEnabled(False)
        client_for = self._client
        uid, weeks = self.job.study_instance_uid, self.weeks_spin.value()
        return self.bridge.run(lambda _ctx: create_access_code(client_for(), [uid], birth, weeks),
                               on_result=self._created, on_error=self._failed)

    def _created(self, created: CreatedCode) -> None:
        self.created = created
        log.info("access code created for transfer %s", self.job.id)
        self.code_label.setText(created.code)
        self.code_label.show()
        moment = parse_iso_moment(created.expires)
        day = format_day(moment.astimezone().date(), message_language()) if moment else created.expires
        self.expiry_label.setText(self.tr("Valid until %1").replace("%1", day))
        self.expiry_label.show()
        self.birth_date_edit.clear()  # no reason to keep the second factor on screen
        for button in (self.save_button, self.print_button):
            button.setEnabled(True)

    def _failed(self, error: BaseException) -> None:
        self.create_button.setEnabled(True)
        show_status(self.error, error_text(error), ERROR_STYLE)

    def sheet(self) -> CodeSheet:
        """The sheet of the created code."""
        assert self.created is not None
        studies = [SheetStudy(self.study.study_date, self.study.study_description)] if self.study else []
        return CodeSheet(self.created.code, self.created.expires, self.created.qr_payload, studies)

    def _ask_path(self) -> Path | None:
        suggested = Path.home() / f"Zugangscode_{self.created.code}.pdf"
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Save access-code sheet"),
                                              str(suggested), self.tr("PDF documents (*.pdf)"))
        return Path(name) if name else None

    def save_pdf(self, path: Path | None = None) -> Task | None:
        """Write the sheet to PATH (asked for when not given) in the window's language."""
        if self.created is None:
            return None
        path = path or self.ask_path()
        if path is None:
            return None
        sheet, lang = self.sheet(), message_language()
        return self.bridge.run(lambda _ctx: write_code_sheet_pdf(sheet, path, lang),
                               on_result=self._saved, on_error=self._failed)

    def _saved(self, path: Path) -> None:
        self.sheet_path = path
        show_status(self.saved, self.tr("Saved: %1").replace("%1", str(path)), OK_STYLE)

    def open_for_printing(self) -> Task | None:
        """Write the sheet to a private temporary file and open it in the PDF viewer."""
        if self.created is None:
            return None
        folder = Path(tempfile.mkdtemp(prefix="code-sheet-", dir=paths.cache_dir()))
        task = self.save_pdf(folder / f"Zugangscode_{self.created.code}.pdf")
        if task is not None:
            task.succeeded.connect(lambda p: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p))))
        return task


def open_code_sheet_dialog(parent: QWidget | None, job: Job, *, session=None,
                           bridge: Bridge | None = None) -> CodeSheetDialog:
    """Show the dialog for JOB (non-modal) and return it."""
    dialog = CodeSheetDialog(job, session=session, bridge=bridge, parent=parent)
    dialog.show()
    return dialog

