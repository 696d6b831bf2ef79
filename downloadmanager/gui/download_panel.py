"""Where and how to save a code's studies, and the download itself (progress, cancel, summary).

The work is the core's :class:`~downloadmanager.core.download.job.DownloadJob`,
the same one ``downloadmanager fetch`` runs, started through the bridge. Only
a job that returned normally counts as done: its files were verified against
the portal's checksums and moved into the target in whole units. A cancelled
or failed download says so, and that the verified part waits hidden in the
target folder for the next attempt; it is never shown as complete.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core.errors import AppError
from downloadmanager.core.settings import Settings
from downloadmanager.gui.bridge import Bridge, Task
from downloadmanager.gui.code_inputs import message_language
from downloadmanager.gui.formatting import format_count

if TYPE_CHECKING:
    from downloadmanager.core.dicomnet import DicomNode
    from downloadmanager.core.download.job import CodeSession, DownloadResult
    from downloadmanager.core.download.publish import OutputOptions

log = logging.getLogger(__name__)

OK_STYLE = "color: #0a6e2a; font-weight: bold;"
BAD_STYLE = "color: #b00020; font-weight: bold;"


def default_target(settings: Settings) -> str:
    """The storage folder from the settings, else the user's Downloads folder."""
    if settings.storage_folder:
        return settings.storage_folder
    downloads = Path.home() / "Downloads"
    return str(downloads if downloads.is_dir() else Path.home())


def _read_nodes() -> dict[str, DicomNode]:
    """The saved DICOM nodes by name (none when the settings cannot be read)."""
    from downloadmanager.core.dicomnet import DicomNetError, load_nodes

    try:
        return load_nodes()
    except DicomNetError:
        return {}


class DownloadPanel(QWidget):
    """Target folder, layout options, PACS choice, the Download button and the outcome."""

    #: A download ended; True only when everything was verified (and stored by the PACS).
    download_finished = Signal(bool)

    def __init__(self, bridge: Bridge, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.settings = settings
        self.task: Task | None = None
        self.result: DownloadResult | None = None
        self.outcome = ""  # "verified", "failed", "cancelled", "send_failed" (tests, status)
        self._phase = "download"
        folder_row = self._build_folder_row(settings)
        pacs_row = self._build_layout_options()
        buttons = self._build_buttons()
        self._build_progress()
        self._build_layout(folder_row, pacs_row, buttons)
        self.retranslateUi()

    # -- building the panel ---------------------------------------------------------

    def _build_folder_row(self, settings: Settings) -> QHBoxLayout:
        self.folder_edit = QLineEdit(default_target(settings))
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.folder_button)
        return folder_row

    def _build_layout_options(self) -> QHBoxLayout:
        """Readable names or viewer-ready, ZIP, and the PACS row (returned)."""
        self.readable_radio = QRadioButton()
        self.readable_radio.setChecked(True)
        self.media_radio = QRadioButton()
        self.zip_check = QCheckBox()
        self.pacs_check = QCheckBox()
        self.pacs_combo = QComboBox()
        self.pacs_combo.setEnabled(False)
        self.pacs_check.toggled.connect(self.pacs_combo.setEnabled)
        pacs_row = QHBoxLayout()
        pacs_row.addWidget(self.pacs_check)
        pacs_row.addWidget(self.pacs_combo, 1)
        self._nodes_read = False
        # The first reading of the saved nodes runs on the bridge: it imports the DICOM
        # network code (pydicom, numpy), which the window's first paint must not wait for.
        self.bridge.run(lambda _ctx: _read_nodes(), on_result=self._first_nodes)
        return pacs_row

    def _build_buttons(self) -> QHBoxLayout:
        self.download_button = QPushButton()
        self.download_button.setEnabled(False)
        self.cancel_button = QPushButton()
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        return buttons

    def _build_progress(self) -> None:
        """Progress bar, phase, summary and 'Open folder' (hidden until a download runs)."""
        self.progress = QProgressBar()
        self.progress.hide()
        self.phase_label = QLabel()
        self.phase_label.hide()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.hide()
        self.open_button = QPushButton()
        self.open_button.hide()
        self.open_button.clicked.connect(self.open_folder)

    def _build_layout(self, folder_row: QHBoxLayout, pacs_row: QHBoxLayout,
                      buttons: QHBoxLayout) -> None:
        self.folder_label = QLabel()
        self.layout_label = QLabel()
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.folder_label, folder_row)
        form.addRow(self.layout_label, self.readable_radio)
        form.addRow("", self.media_radio)
        form.addRow("", self.zip_check)
        form.addRow("", pacs_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        layout.addWidget(self.phase_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        open_row = QHBoxLayout()
        open_row.addWidget(self.open_button)
        open_row.addStretch(1)
        layout.addLayout(open_row)

    def retranslateUi(self) -> None:
        self.folder_label.setText(self.tr("Save in:"))
        self.folder_button.setText(self.tr("Choose…"))
        self.layout_label.setText(self.tr("Save as:"))
        self.readable_radio.setText(self.tr("Folder with readable names"))
        self.media_radio.setText(self.tr("Viewer-ready folder with DICOMDIR (like a CD)"))
        self.zip_check.setText(self.tr("Pack into one ZIP file"))
        self.pacs_check.setText(self.tr("Also send to PACS:"))
        self.download_button.setText(self.tr("Download"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.open_button.setText(self.tr("Open folder"))
        if self.pacs_combo.count() and self.pacs_combo.itemData(0) is None:
            self.pacs_combo.setItemText(0, self._no_pacs_text())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    # -- options --------------------------------------------------------------
    def reload_nodes(self) -> None:
        """Fill the PACS list from the saved DICOM nodes (Settings → PACS)."""
        self._show_nodes(_read_nodes())

    def _first_nodes(self, nodes: dict[str, DicomNode]) -> None:
        if not self._nodes_read:  # else a newer reading is shown already
            self._show_nodes(nodes)

    def _no_pacs_text(self) -> str:
        return self.tr("No PACS configured (Settings)")

    def _show_nodes(self, nodes: dict[str, DicomNode]) -> None:
        self._nodes_read = True
        current = self.pacs_combo.currentData()
        self.pacs_combo.clear()
        for name, node in sorted(nodes.items()):
            self.pacs_combo.addItem(f"{name} ({node.spec})", node)
        if not nodes:
            self.pacs_combo.addItem(self._no_pacs_text(), None)
        self.pacs_check.setEnabled(bool(nodes))
        if not nodes:
            self.pacs_check.setChecked(False)
        for index in range(self.pacs_combo.count()):
            node = self.pacs_combo.itemData(index)
            if current is not None and node is not None and node.name == current.name:
                self.pacs_combo.setCurrentIndex(index)

    def output_options(self) -> OutputOptions:
        """The chosen layout."""
        from downloadmanager.core.download.publish import OutputOptions

        return OutputOptions(layout="media" if self.media_radio.isChecked() else "folder",
                             zip=self.zip_check.isChecked())

    def send_node(self) -> DicomNode | None:
        """The chosen PACS, or None."""
        return self.pacs_combo.currentData() if self.pacs_check.isChecked() else None

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Save in"), self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    # -- running ----------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.is_running

    def start(self, session: CodeSession, study_uids: list[str]) -> Task | None:
        """Download STUDY_UIDS of SESSION with the chosen options through the bridge."""
        target = Path(self.folder_edit.text().strip()).expanduser()
        if not self.folder_edit.text().strip():
            self._show_summary(self.tr("Please choose a folder to save in."), ok=False)
            return None
        from downloadmanager.core.download.job import DownloadJob

        job = DownloadJob(session.source, study_uids, target, session.key,
                          output=self.output_options(), send_to=self.send_node(),
                          retry_delay=1.0)
        self.result, self.outcome = None, ""
        self.summary.hide()
        self.open_button.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self._phase = "download"
        self.phase_label.setText(self.tr("Downloading and verifying…"))
        self.phase_label.show()
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()

        def work(context):
            job.cancel = context.cancel_event
            job.progress = lambda phase, done, total: context.report((phase, done, total))
            return job.run()

        self.task = self.bridge.run(work, on_result=self._finished, on_error=self._failed,
                                    on_progress=self._progressed, on_cancelled=self._cancelled)
        return self.task

    def cancel(self) -> None:
        """Stop the running download (the verified part stays for the next attempt)."""
        if self.task is not None and self.task.is_running:
            self.cancel_button.setEnabled(False)
            self.phase_label.setText(self.tr("Stopping…"))
            self.task.cancel()

    def _progressed(self, report) -> None:
        phase, done, total = report
        if phase != self._phase:
            self._phase = phase
            self.phase_label.setText(self.tr("Sending to the PACS…") if phase == "send"
                                     else self.tr("Downloading and verifying…"))
        if total:
            # Sizes above 2 GiB do not fit a QProgressBar's int: show per mille.
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(done, total) / total))

    def _end(self) -> None:
        self.progress.hide()
        self.phase_label.hide()
        self.cancel_button.hide()
        self.download_button.setEnabled(True)

    def _finished(self, result: DownloadResult) -> None:
        self._end()
        self.result = result
        log.info("download finished: %d instances verified, %d outputs, PACS %s", result.instance_count,
                 len(result.outputs), "not used" if result.send_report is None
                 else f"{result.send_report.stored} stored, {result.send_report.failed} failed")
        where = str(self.output_folder() or self.folder_edit.text())
        text = self.tr("Saved and verified: %1 images in %2.").replace(
            "%1", format_count(result.instance_count)).replace("%2", where)
        report = result.send_report
        if report is not None:
            if report.ok:
                text += " " + self.tr("The PACS %1 stored all %2 images.").replace(
                    "%1", report.node).replace("%2", format_count(report.stored))
            else:
                text += " " + self.tr("But the PACS %1 did not store %2 of %3 images.").replace(
                    "%1", report.node).replace("%2", format_count(report.failed)).replace(
                    "%3", format_count(len(report.outcomes)))
        self.outcome = "verified" if result.ok else "send_failed"
        self._show_summary(text, ok=result.ok)
        self.open_button.setVisible(bool(result.outputs))
        self.download_finished.emit(result.ok)

    def _failed(self, error: BaseException) -> None:
        self._end()
        log.warning("download failed: %s", getattr(error, "key", type(error).__name__))
        self.outcome = "failed"
        if isinstance(error, AppError):  # download, portal and DICOM network errors alike
            detail = error.message(message_language())
        else:
            detail = f"{type(error).__name__}: {error}"
        self._show_summary(self.tr("Download failed: %1").replace("%1", detail) + " "
                           + self.tr("Nothing incomplete was put in the folder; images already "
                                     "verified are kept hidden there, and the next download "
                                     "continues from them."), ok=False)
        self.download_finished.emit(False)

    def _cancelled(self) -> None:
        self._end()
        log.info("download cancelled")
        self.outcome = "cancelled"
        self._show_summary(self.tr("Download cancelled: it is NOT complete. Images already "
                                   "verified are kept hidden in the folder; download again to "
                                   "continue."), ok=False)
        self.download_finished.emit(False)

    def _show_summary(self, text: str, ok: bool) -> None:
        self.summary.setText(text)
        self.summary.setStyleSheet(OK_STYLE if ok else BAD_STYLE)
        self.summary.show()

    def output_folder(self) -> Path | None:
        """The folder to open after a download: the study/medium folder, or the ZIP's folder."""
        if self.result is None or not self.result.outputs:
            return None
        first = self.result.outputs[0]
        # A ZIP file, or several study folders: their common parent.
        return first.parent if first.is_file() or len(self.result.outputs) > 1 else first

    def open_folder(self) -> bool:
        """Show the downloaded files in the file manager."""
        folder = self.output_folder()
        return folder is not None and QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
