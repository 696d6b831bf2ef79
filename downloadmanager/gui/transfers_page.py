"""Transfers page: every upload of the queue with progress, speed, state and controls.

The list comes from :class:`TransferService` (polling the queue database);
pause, resume, cancel and retry call the same core controls as
``downloadmanager transfers``. A finished job's receipt opens in a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core.transfers.model import Job, JobState, Move
from downloadmanager.gui.bridge import Bridge
from downloadmanager.gui.i18n import error_text
from downloadmanager.gui.portal_session import PortalSession
from downloadmanager.gui.receipt_dialog import ReceiptDialog
from downloadmanager.gui.transfer_service import TransferService
from downloadmanager.gui.transfers_model import (
    COL_DATE,
    COL_PROGRESS,
    COL_RECIPIENT,
    COL_REMAINING,
    COL_SPEED,
    COL_STATE,
    COL_STUDY,
    MOVING,
    ProgressRole,
    TransfersTableModel,
)

# The buttons follow the transition table: a button is enabled when its move applies.
PAUSABLE = Move.PAUSE.sources
CANCELLABLE = Move.CANCEL.sources
RETRYABLE = Move.RETRY.sources


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a progress bar with the sizes as its text."""

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        percent = index.data(ProgressRole)
        if percent is None:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(percent * 10)
        bar.text = index.data() or ""
        bar.textVisible = True
        bar.state = option.state
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class TransfersPage(QWidget):
    """The queue of this computer's uploads, with their controls."""

    def __init__(self, service: TransferService, session: PortalSession, bridge: Bridge, *,
                 save_receipt_pdf: Callable[[int, Path, str], Path] | None = None,
                 language: Callable[[], str] = lambda: "en",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._session = session
        self._bridge = bridge
        self._save_receipt_pdf = save_receipt_pdf
        self._language = language
        self.confirm_cancel: Callable[[Job], bool] = self._ask_cancel
        self.receipt_dialog: ReceiptDialog | None = None
        self._build_heading()
        self._build_table(session)
        buttons = self._build_buttons()
        self._build_messages()
        self._build_layout(buttons)

        service.jobs_changed.connect(self._jobs_changed)
        service.control_failed.connect(self._show_error)
        session.changed.connect(self.model.retranslate)
        self.retranslateUi()
        self._update_buttons()

    # -- building the page ----------------------------------------------------------

    def _build_heading(self) -> None:
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.intro = QLabel()
        self.intro.setWordWrap(True)

    def _build_table(self, session: PortalSession) -> None:
        """The table of transfers, with a progress bar column."""
        self.model = TransfersTableModel(session.label_for, parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(COL_PROGRESS, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _index: self.show_receipt())
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_STUDY, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_PROGRESS, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(COL_PROGRESS, 200)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

    def _build_buttons(self) -> QHBoxLayout:
        """Pause, resume, cancel, retry and receipt for the selected transfer."""
        self.pause_button = QPushButton()
        self.resume_button = QPushButton()
        self.cancel_button = QPushButton()
        self.retry_button = QPushButton()
        self.receipt_button = QPushButton()
        self.pause_button.clicked.connect(lambda: self._act(self.service.pause))
        self.resume_button.clicked.connect(lambda: self._act(self.service.resume))
        self.retry_button.clicked.connect(lambda: self._act(self.service.retry))
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.receipt_button.clicked.connect(self.show_receipt)
        buttons = QHBoxLayout()
        for button in (self.pause_button, self.resume_button, self.cancel_button,
                       self.retry_button, self.receipt_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        return buttons

    def _build_messages(self) -> None:
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        self.detail = QLabel()
        self.detail.setWordWrap(True)

    def _build_layout(self, buttons: QHBoxLayout) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addSpacing(8)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    def retranslateUi(self) -> None:
        self.heading.setText(self.tr("Transfers"))
        self.intro.setText(self.tr(
            "Uploads of this computer. They continue after a restart, and while the window "
            "is closed to the tray."))
        self.pause_button.setText(self.tr("Pause"))
        self.resume_button.setText(self.tr("Resume"))
        self.cancel_button.setText(self.tr("Cancel…"))
        self.retry_button.setText(self.tr("Retry"))
        self.receipt_button.setText(self.tr("Receipt…"))
        self.model.retranslate()
        self._size_columns(shrink=True)
        self._update_buttons()

    def _size_columns(self, *, shrink: bool = False) -> None:
        """Fit the narrow columns to their header and texts (e.g. a community's full name).

        Measured from the texts, not with ``ResizeToContents`` (which re-measures
        on every progress tick); columns only grow while jobs change, so they do
        not jitter with the speed shown, and are measured afresh on a language change.
        """
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        samples = {COL_STATE: [self.model.state_name(state) for state in JobState]}
        # A long history has hundreds of done rows: measure one row per recipient,
        # the moving ones (speed, time left) and the newest (date), not every row.
        rows: set[int] = {0} if self.model.rowCount() else set()
        recipients: set[str] = set()
        for row in range(self.model.rowCount()):
            job = self.model.job(row)
            if job.state in MOVING or job.community not in recipients:
                rows.add(row)
                recipients.add(job.community)
        for column in (COL_RECIPIENT, COL_STATE, COL_SPEED, COL_REMAINING, COL_DATE):
            texts = [str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")]
            texts += samples.get(column, [])
            texts += [str(self.model.data(self.model.index(row, column)) or "")
                      for row in sorted(rows)]
            width = max(metrics.horizontalAdvance(text) for text in texts) + 24
            if shrink or width > header.sectionSize(column):
                header.resizeSection(column, width)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    # -- selection ---------------------------------------------------------------------
    def selected_job(self) -> Job | None:
        """The job of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.job(rows[0].row()) if rows else None

    def select_job(self, job_id: int) -> bool:
        """Select the row of JOB_ID; False when it is not listed (yet)."""
        row = self.model.row_of(job_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def _jobs_changed(self, jobs: list[Job]) -> None:
        self.model.set_jobs(jobs)
        self._size_columns()
        if self.selected_job() is None and self.model.rowCount():
            self.table.selectRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        job = self.selected_job()
        state = job.state if job else None
        self.pause_button.setEnabled(state in PAUSABLE)
        self.resume_button.setEnabled(state is JobState.PAUSED)
        self.cancel_button.setEnabled(state in CANCELLABLE)
        self.retry_button.setEnabled(state in RETRYABLE)
        self.receipt_button.setEnabled(job is not None and job.receipt is not None)
        self.detail.setText(error_text(job.error) if job else "")
        self.detail.setVisible(bool(job and job.error))

    # -- actions ---------------------------------------------------------------------------
    def _act(self, control: Callable[[int], object]) -> None:
        job = self.selected_job()
        if job is not None:
            self.message.hide()
            control(job.id)

    def cancel_selected(self) -> None:
        """Cancel the selected transfer after asking."""
        job = self.selected_job()
        if job is not None and self.confirm_cancel(job):
            self.message.hide()
            self.service.cancel(job.id)

    def _ask_cancel(self, job: Job) -> bool:
        answer = QMessageBox.question(
            self, self.tr("Cancel transfer"),
            self.tr("Cancel the transfer of “%1” to %2? What the portal has received so far "
                    "is deleted.").replace("%1", self.model.study_label(job)).replace(
                "%2", self._session.label_for(job.community)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def show_receipt(self) -> ReceiptDialog | None:
        """Open the receipt of the selected transfer (non-modal); returns the dialog."""
        job = self.selected_job()
        if job is None or job.receipt is None:
            return None
        self.receipt_dialog = ReceiptDialog(
            job, self._session.label_for(job.community), self._bridge,
            save_pdf=self._save_receipt_pdf, language=self._language(), parent=self)
        self.receipt_dialog.show()
        return self.receipt_dialog

    def _show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
